#!/usr/bin/env node
// Entry point of `npx shiplog`: runs the compiled CLI (built by `npm install` through the prepare script).
const { existsSync } = require('node:fs');
const { join } = require('node:path');

const compiled = join(__dirname, '..', 'dist', 'apps', 'cli', 'main.js');
if (!existsSync(compiled)) {
  process.stderr.write('shiplog: the CLI is not built yet; run "npm install" (or "npm run build") in the Shiplog checkout.\n');
  process.exit(1);
}
require(compiled);
