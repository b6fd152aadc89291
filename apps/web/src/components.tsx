import type { ComponentChildren } from 'preact';
import { useEffect, useId, useRef, useState } from 'preact/hooks';
import { ApiProblem } from './api';
import { statusOf } from './format';

export const StatusBadge = ({ status, label }: { status: string; label?: string | undefined }) => {
  const { icon, label: word } = statusOf(status);
  return (
    <span class={`status status-${status}`}>
      <span aria-hidden="true">{icon}</span> {label ?? word}
    </span>
  );
};

/** An API problem as the user should read it: the detail and each offending field with what it accepts. */
export const ErrorBanner = ({ error }: { error: unknown }) => {
  if (!error) return null;
  const problem = error instanceof ApiProblem ? error : null;
  return (
    <div class="error" role="alert">
      <strong>{problem ? problem.title : 'Something went wrong'}</strong>
      {problem?.detail ? <p>{problem.detail}</p> : !problem && <p>{String(error)}</p>}
      {problem && problem.errors.length > 0 && (
        <ul>
          {problem.errors.map((e) => (
            <li key={e.field}>
              <code>{e.field}</code>: {e.message}
              {e.accepted?.length ? ` (accepted: ${e.accepted.join(', ')})` : ''}
            </li>
          ))}
        </ul>
      )}
    </div>
  );
};

/** Loads data for a view; `reload` refetches (live updates), `data` stays on screen while it does. */
export const useLoad = <T,>(load: () => Promise<T>, deps: unknown[]): { data: T | null; error: unknown; reload: () => void } => {
  const [state, setState] = useState<{ data: T | null; error: unknown }>({ data: null, error: null });
  const [tick, setTick] = useState(0);
  useEffect(() => {
    let current = true;
    load().then(
      (data) => current && setState({ data, error: null }),
      (error: unknown) => current && setState((s) => ({ data: s.data, error })),
    );
    return () => {
      current = false;
    };
  }, [...deps, tick]);
  return { ...state, reload: () => setTick((t) => t + 1) };
};

/**
 * A confirmation dialog for an action that changes something: it says what will happen, asks for a reason (recorded
 * with the command) and only then runs it. Native <dialog>: focus is trapped and Escape cancels.
 */
export const ConfirmAction = ({
  label,
  title,
  description,
  reasonRequired = false,
  danger = false,
  onConfirm,
}: {
  label: string;
  title: string;
  description: ComponentChildren;
  reasonRequired?: boolean;
  danger?: boolean;
  onConfirm: (reason: string) => Promise<unknown>;
}) => {
  const dialog = useRef<HTMLDialogElement>(null);
  const titleId = useId();
  const [reason, setReason] = useState('');
  const [error, setError] = useState<unknown>(null);
  const [busy, setBusy] = useState(false);
  const close = () => {
    dialog.current?.close();
    setReason('');
    setError(null);
  };
  const submit = async (event: Event) => {
    event.preventDefault();
    setBusy(true);
    try {
      await onConfirm(reason.trim());
      close();
    } catch (failure) {
      setError(failure);
    } finally {
      setBusy(false);
    }
  };
  return (
    <>
      <button type="button" class={danger ? 'danger' : ''} onClick={() => dialog.current?.showModal()}>
        {label}
      </button>
      <dialog ref={dialog} aria-labelledby={titleId} onClose={() => setError(null)}>
        <form onSubmit={submit}>
          <h2 id={titleId}>{title}</h2>
          <p>{description}</p>
          <label>
            Reason{reasonRequired ? '' : ' (optional)'}
            <textarea name="reason" value={reason} required={reasonRequired} maxLength={1000} onInput={(e) => setReason((e.target as HTMLTextAreaElement).value)} />
          </label>
          <ErrorBanner error={error} />
          <div class="actions">
            <button type="button" onClick={close}>
              Cancel
            </button>
            <button type="submit" class={danger ? 'danger' : 'primary'} disabled={busy}>
              {busy ? 'Working…' : `Confirm ${label.toLowerCase()}`}
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
};
