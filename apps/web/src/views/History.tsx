import { useEffect, useState } from 'preact/hooks';
import { api, download, roleAllows, type Me } from '../api';
import { ErrorBanner, StatusBadge } from '../components';
import { duration, when } from '../format';
import { useLiveChanges } from '../live';
import { href } from '../router';

type Row = { id: string; product: string; environment: string; version: string; status: string; kind: string; deployed_by: string | null; requested_by: string | null; created_at: string; started_at: string | null; duration_seconds: number | null };
type Page = { items: Row[]; next_cursor: string | null };

const FILTERS = ['product', 'environment', 'status', 'deployed_by', 'since', 'until'] as const;
const STATUSES = ['pending', 'started', 'completed', 'failed', 'aborted'];
const PAGE_SIZE = 50;

/** datetime-local ⇄ ISO instants in the URL (the query stays an exact, shareable instant). */
const toLocalInput = (iso: string | null): string => (iso ? new Date(Date.parse(iso) - new Date().getTimezoneOffset() * 60_000).toISOString().slice(0, 19) : '');
const fromLocalInput = (value: string): string | null => (value ? new Date(value).toISOString() : null);

const queryOf = (query: URLSearchParams, cursor: string | null): string => {
  const params = new URLSearchParams();
  for (const key of FILTERS) {
    const value = query.get(key);
    if (value) params.set(key, value);
  }
  params.set('limit', String(PAGE_SIZE));
  if (cursor) params.set('cursor', cursor);
  return params.toString();
};

/** Deployment history with filters (all in the URL: every filtered view is a deep link), paging, time travel and export. */
export const History = ({ query, me }: { query: URLSearchParams; me: Me }) => {
  const [rows, setRows] = useState<Row[]>([]);
  const [next, setNext] = useState<string | null>(null);
  const [error, setError] = useState<unknown>(null);
  const [tick, setTick] = useState(0);
  const key = queryOf(query, null);
  useEffect(() => {
    let current = true;
    api<Page>(`/deployments/?${key}`).then(
      (page) => current && (setRows(page.items), setNext(page.next_cursor), setError(null)),
      (failure: unknown) => current && setError(failure),
    );
    return () => {
      current = false;
    };
  }, [key, tick]);
  useLiveChanges((changes) => changes.some((c) => c.type.startsWith('deployment.')) && setTick((t) => t + 1));
  const more = async () => {
    if (!next) return;
    try {
      const page = await api<Page>(`/deployments/?${queryOf(query, next)}`);
      setRows((all) => [...all, ...page.items]);
      setNext(page.next_cursor);
    } catch (failure) {
      setError(failure);
    }
  };
  const apply = (event: Event) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget as HTMLFormElement);
    const value = (name: string) => ((form.get(name) as string | null) ?? '').trim() || null;
    location.hash = href('history', {
      product: value('product'),
      environment: value('environment'),
      status: value('status'),
      deployed_by: value('deployed_by'),
      since: fromLocalInput(value('since') ?? ''),
      until: fromLocalInput(value('until') ?? ''),
    });
  };
  const exportCsv = () => {
    const params = new URLSearchParams({ format: 'csv' });
    for (const [from, to] of [['product', 'product'], ['environment', 'environment'], ['since', 'from'], ['until', 'to']] as const) {
      const value = query.get(from);
      if (value) params.set(to, value);
    }
    download(`/api/v1/audit/export?${params.toString()}`, 'shiplog-events.csv').catch(setError);
  };
  return (
    <section aria-labelledby="history-title">
      <header class="view-header">
        <h1 id="history-title">History</h1>
        {roleAllows(me.role, 'auditor') && me.role !== 'viewer' && (
          <button type="button" onClick={exportCsv}>
            Export audit CSV
          </button>
        )}
      </header>
      <form class="filters" onSubmit={apply} aria-label="Filter deployments">
        <label>
          Product <input name="product" defaultValue={query.get('product') ?? ''} />
        </label>
        <label>
          Environment <input name="environment" defaultValue={query.get('environment') ?? ''} />
        </label>
        <label>
          Status
          <select name="status" defaultValue={query.get('status') ?? ''}>
            <option value="">any</option>
            {STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </label>
        <label>
          Actor <input name="deployed_by" defaultValue={query.get('deployed_by') ?? ''} />
        </label>
        <label>
          Since <input type="datetime-local" step="1" name="since" defaultValue={toLocalInput(query.get('since'))} />
        </label>
        <label>
          Until <input type="datetime-local" step="1" name="until" defaultValue={toLocalInput(query.get('until'))} />
        </label>
        <button type="submit" class="primary">
          Filter
        </button>
        <a class="button" href={href('history')}>
          Clear
        </a>
      </form>
      <ErrorBanner error={error} />
      <div class="table-scroll">
        <table class="history">
          <caption class="sr-only">Deployments, newest first</caption>
          <thead>
            <tr>
              <th scope="col">When</th>
              <th scope="col">Product</th>
              <th scope="col">Version</th>
              <th scope="col">Environment</th>
              <th scope="col">Status</th>
              <th scope="col">Kind</th>
              <th scope="col">By</th>
              <th scope="col">Duration</th>
              <th scope="col">Board then</th>
            </tr>
          </thead>
          <tbody>
            {rows.map((row) => (
              <tr key={row.id}>
                <td>
                  <a href={href(`deployments/${row.id}`)}>{when(row.started_at ?? row.created_at)}</a>
                </td>
                <td>{row.product}</td>
                <td>{row.version}</td>
                <td>{row.environment}</td>
                <td>
                  <StatusBadge status={row.status} />
                </td>
                <td>{row.kind}</td>
                <td>{row.deployed_by ?? row.requested_by ?? '—'}</td>
                <td>{duration(row.duration_seconds)}</td>
                <td>
                  <a href={href('', { at: row.started_at ?? row.created_at })} aria-label={`The board as of ${when(row.started_at ?? row.created_at)}`}>
                    as of
                  </a>
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      {rows.length === 0 && !error && <p class="empty-state">No deployments match.</p>}
      {next && (
        <button type="button" onClick={more}>
          Load more
        </button>
      )}
    </section>
  );
};
