import { api } from '../api';
import { ErrorBanner, StatusBadge, useLoad } from '../components';
import { ago, when } from '../format';
import { useLiveChanges } from '../live';
import { href } from '../router';

type Cell = {
  deployment_id: string;
  current_version: string | null;
  latest_version: string;
  status: string;
  at: string;
  deployed_by: string | null;
  in_flight: { deployment_id: string; version: string; status: string } | null;
  drift: { upstream: string; upstream_version: string } | null;
};
type Matrix = { environments: string[]; rows: { product: string; environments: Record<string, Cell | null> }[] };
type Environment = { name: string; lock: { reason: string; by: string; until: string | null } | null; freeze: { detail: string; until: string | null } | null };

const CellView = ({ cell, product, env }: { cell: Cell | null; product: string; env: string }) => {
  if (!cell) return <td class="cell empty" aria-label={`${product} in ${env}: nothing deployed`}>—</td>;
  const shown = cell.in_flight ?? { deployment_id: cell.deployment_id, version: cell.latest_version, status: cell.status };
  const inFlight = cell.in_flight !== null;
  return (
    <td class={`cell status-${shown.status}${inFlight ? ' in-flight' : ''}${cell.drift ? ' drift' : ''}`}>
      <a href={href(`deployments/${shown.deployment_id}`)} aria-label={`${product} ${shown.version} in ${env}: ${shown.status}`}>
        <span class="version">{cell.current_version ?? '—'}</span>
        {inFlight && <span class="next"> → {cell.in_flight!.version}</span>}
        <StatusBadge status={shown.status} />
        <span class="meta" title={when(cell.at)}>
          {ago(cell.at)}
          {cell.deployed_by ? ` · ${cell.deployed_by}` : ''}
        </span>
        {cell.drift && (
          <span class="drift-note" title={`${cell.drift.upstream} runs ${cell.drift.upstream_version}`}>
            ≠ {cell.drift.upstream} {cell.drift.upstream_version}
          </span>
        )}
      </a>
    </td>
  );
};

/** Locks and freezes in force, on the column header: deploys there are refused (the title says why and until when). */
const PolicyMarks = ({ environment }: { environment: Environment | undefined }) => {
  if (!environment) return null;
  const { lock, freeze } = environment;
  const lockText = lock && `locked by ${lock.by}: ${lock.reason}${lock.until ? ` (until ${when(lock.until)})` : ''}`;
  const freezeText = freeze && `${freeze.detail}${freeze.until ? ` (until ${when(freeze.until)})` : ''}`;
  return (
    <>
      {lockText && (
        <span class="policy-mark lock" title={lockText}>
          <span aria-hidden="true">locked</span>
          <span class="sr-only">{lockText}</span>
        </span>
      )}
      {freezeText && (
        <span class="policy-mark freeze" title={freezeText}>
          <span aria-hidden="true">frozen</span>
          <span class="sr-only">{freezeText}</span>
        </span>
      )}
    </>
  );
};

/** The environment × product matrix, live (SSE) — or as it was at `at` (time travel, not live). */
export const Board = ({ at }: { at: string | null }) => {
  const matrix = useLoad(() => api<Matrix>(at ? `/api/v1/state?at=${encodeURIComponent(at)}` : '/state'), [at]);
  const environments = useLoad(() => api<{ items: Environment[] }>('/api/v1/environments').catch(() => ({ items: [] })), []);
  useLiveChanges(() => {
    matrix.reload();
    environments.reload();
  }, at === null);
  const byName = new Map((environments.data?.items ?? []).map((e) => [e.name, e]));
  return (
    <section aria-labelledby="board-title">
      <header class="view-header">
        <h1 id="board-title">Environments{at ? ` as of ${when(at)}` : ''}</h1>
        <form
          class="as-of"
          onSubmit={(event) => {
            event.preventDefault();
            const value = (new FormData(event.currentTarget as HTMLFormElement).get('at') as string) || '';
            location.hash = href('', { at: value ? new Date(value).toISOString() : null });
          }}
        >
          <label>
            As of <input type="datetime-local" name="at" step="1" />
          </label>
          <button type="submit">Show</button>
          {at && (
            <a class="button" href={href('')}>
              Back to now
            </a>
          )}
        </form>
      </header>
      <ErrorBanner error={matrix.error} />
      {matrix.data &&
        (matrix.data.rows.length === 0 ? (
          <p class="empty-state">No deployments yet. Report one with POST /deployment-events/ or deploy with the CLI.</p>
        ) : (
          <div class="table-scroll">
            <table class="board">
              <caption class="sr-only">Deployed versions per product and environment, environments in promotion order</caption>
              <thead>
                <tr>
                  <th scope="col">Product</th>
                  {matrix.data.environments.map((env) => (
                    <th scope="col" key={env}>
                      <a href={href(`environments/${encodeURIComponent(env)}`)}>{env}</a>
                      <PolicyMarks environment={byName.get(env)} />
                    </th>
                  ))}
                </tr>
              </thead>
              <tbody>
                {matrix.data.rows.map((row) => (
                  <tr key={row.product}>
                    <th scope="row">
                      <a href={href('history', { product: row.product })}>{row.product}</a>
                    </th>
                    {matrix.data!.environments.map((env) => (
                      <CellView key={env} cell={row.environments[env] ?? null} product={row.product} env={env} />
                    ))}
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        ))}
    </section>
  );
};
