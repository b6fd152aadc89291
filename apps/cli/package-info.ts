import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** Code runs from source (tests) and from dist/ (installed): the Shiplog checkout is the first directory above with its package.json. */
export const packageRoot = (from: string = __dirname): string | null => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate) && (JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string }).name === 'shiplog') return dir;
    if (dirname(dir) === dir) return null;
  }
};

export const packageVersion = (from: string = __dirname): string => {
  const root = packageRoot(from);
  return (root && (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { version?: string }).version) || 'unknown';
};
