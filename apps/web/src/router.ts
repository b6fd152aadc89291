import { useEffect, useState } from 'preact/hooks';

/** Hash routes (`#/deployments/<id>?…`): every view has a deep link and none collides with the API's paths. */
export type Route =
  | { name: 'board'; query: URLSearchParams }
  | { name: 'deployment'; id: string; query: URLSearchParams }
  | { name: 'history'; query: URLSearchParams }
  | { name: 'metrics'; query: URLSearchParams }
  | { name: 'environments'; env: string | null; query: URLSearchParams };

export const parseRoute = (hash: string): Route => {
  const [path = '', search = ''] = hash.replace(/^#/, '').split('?');
  const query = new URLSearchParams(search);
  const parts = path.split('/').filter(Boolean).map(decodeURIComponent);
  switch (parts[0]) {
    case 'deployments':
      return parts[1] ? { name: 'deployment', id: parts[1], query } : { name: 'history', query };
    case 'history':
      return { name: 'history', query };
    case 'metrics':
      return { name: 'metrics', query };
    case 'environments':
      return { name: 'environments', env: parts[1] ?? null, query };
    default:
      return { name: 'board', query };
  }
};

/** A link target: `href('history', {product: 'api'})` → `#/history?product=api` (empty values left out). */
export const href = (path: string, query: Record<string, string | null | undefined> = {}): string => {
  const params = new URLSearchParams(Object.entries(query).filter((entry): entry is [string, string] => Boolean(entry[1])));
  const search = params.toString();
  return `#/${path}${search ? `?${search}` : ''}`;
};

export const useRoute = (): Route => {
  const [route, setRoute] = useState(() => parseRoute(location.hash));
  useEffect(() => {
    const update = () => setRoute(parseRoute(location.hash));
    addEventListener('hashchange', update);
    return () => removeEventListener('hashchange', update);
  }, []);
  return route;
};
