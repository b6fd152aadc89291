import type { HealthCheck } from '../domain/environments/settings';

export type Observation = { status: 'healthy' | 'down'; detail: string };

/** One GET of the health URL: healthy when it answers `expect_status` within `timeout_ms`. */
export const probe = async (check: HealthCheck): Promise<Observation> => {
  try {
    const response = await fetch(check.url, { signal: AbortSignal.timeout(check.timeout_ms), redirect: 'manual' });
    await response.arrayBuffer();
    return response.status === check.expect_status
      ? { status: 'healthy', detail: `${check.url} answered ${response.status}` }
      : { status: 'down', detail: `${check.url} answered ${response.status}, expected ${check.expect_status}` };
  } catch (error) {
    const reason = error instanceof Error ? (error.name === 'TimeoutError' ? `no answer within ${check.timeout_ms} ms` : error.cause instanceof Error ? error.cause.message : error.message) : String(error);
    return { status: 'down', detail: `${check.url}: ${reason}` };
  }
};

/**
 * The Verify step: probes until the environment answers healthy or the window closes. Resolves with the last
 * observation (healthy as soon as one probe is).
 */
export const verifyHealth = async (check: HealthCheck, onProbe: (observation: Observation) => void = () => undefined): Promise<Observation> => {
  const deadline = Date.now() + check.verify_window_seconds * 1000;
  const pause = Math.min(1_000, Math.max(100, (check.verify_window_seconds * 1000) / 10));
  for (;;) {
    const observation = await probe(check);
    onProbe(observation);
    if (observation.status === 'healthy' || Date.now() + pause > deadline) return observation;
    await new Promise((resolve) => setTimeout(resolve, pause));
  }
};
