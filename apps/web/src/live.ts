import { useEffect, useRef } from 'preact/hooks';
import { stream } from './api';

export type Change = { position: number; type: string; product?: string; environment?: string; deployment_id?: string };

/**
 * Calls `onChange` for each projected change the server streams (GET /api/v1/stream), at most every 150 ms, and
 * once on every (re)connection: what the view shows is refetched, never polled.
 */
export const useLiveChanges = (onChange: (changes: Change[]) => void, enabled = true): void => {
  const latest = useRef(onChange);
  latest.current = onChange;
  useEffect(() => {
    if (!enabled) return;
    const controller = new AbortController();
    let pending: Change[] = [];
    let timer: ReturnType<typeof setTimeout> | null = null;
    const flush = () => {
      timer = null;
      const batch = pending;
      pending = [];
      latest.current(batch);
    };
    stream(
      '/api/v1/stream',
      (message) => {
        if (message.event !== 'change') return;
        pending.push(JSON.parse(message.data) as Change);
        timer ??= setTimeout(flush, 150);
      },
      controller.signal,
      () => latest.current([]),
    );
    return () => {
      controller.abort();
      if (timer) clearTimeout(timer);
    };
  }, [enabled]);
};
