import { existsSync } from 'node:fs';
import { join, relative } from 'node:path';

const ROOT = join(__dirname, '../..');

/**
 * The compiled JavaScript of a worker thread's entry point, given the directory of the module that starts it
 * and the script's file name. From the build it sits beside that module; under Jest (sources run as TypeScript)
 * it is the build's copy: `npm test` builds first.
 */
export const compiledScript = (moduleDir: string, file: string): string => {
  const beside = join(moduleDir, file);
  if (existsSync(beside)) return beside;
  const built = join(ROOT, 'dist', relative(ROOT, moduleDir), file);
  if (existsSync(built)) return built;
  throw new Error(`worker script not found at ${beside} or ${built}: run npm run build`);
};
