import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';

/** The CLI runs from source (tests) and from dist/ (installed): find the package.json above either. */
export const packageVersion = (from: string = __dirname): string => {
  for (let dir = from; ; dir = dirname(dir)) {
    const candidate = join(dir, 'package.json');
    if (existsSync(candidate)) {
      const pkg = JSON.parse(readFileSync(candidate, 'utf8')) as { name?: string; version?: string };
      if (pkg.name === 'shiplog' && pkg.version) return pkg.version;
    }
    if (dirname(dir) === dir) return 'unknown';
  }
};
