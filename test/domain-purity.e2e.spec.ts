import { spawnSync } from 'node:child_process';
import { join } from 'node:path';

const ROOT = join(__dirname, '..');

/** Runs the project's ESLint config on a snippet as if it were a file at `path`. */
const lint = (path: string, code: string) => {
  const result = spawnSync(process.execPath, [join(ROOT, 'node_modules/eslint/bin/eslint.js'), '--stdin', '--stdin-filename', path, '--format', 'json'], {
    cwd: ROOT,
    input: code,
    encoding: 'utf8',
  });
  const [report] = JSON.parse(result.stdout) as { messages: { ruleId: string; message: string }[] }[];
  return report!.messages;
};

describe('libs/domain purity (lint rule)', () => {
  it.each([
    ["import { Injectable } from '@nestjs/common';", /no framework, database or I\/O/],
    ["import Database from 'better-sqlite3';", /no framework, database or I\/O/],
    ["import { readFileSync } from 'node:fs';", /no framework, database or I\/O/],
    ["import { randomUUID } from 'crypto';", /no framework, database or I\/O/],
    ["import { SqliteEventStore } from '../../event-store/sqlite/sqlite-event-store';", /imports only libs\/domain/],
    ['export const now = () => Date.now();', /Time is injected/],
    ['export const now = () => new Date();', /Time is injected/],
    ['export const id = () => Math.random();', /randomness are injected/],
  ])('rejects `%s` in libs/domain', (code, message) => {
    expect(lint('libs/domain/deployments/example.ts', code).map((m) => m.message)).toContainEqual(expect.stringMatching(message));
  });

  it('accepts the same code outside the domain, and pure code inside it', () => {
    expect(lint('libs/event-store/example.ts', "import { readFileSync } from 'node:fs';\nexport const read = readFileSync;\n")).toEqual([]);
    expect(lint('libs/domain/deployments/example.ts', "import { assertNever } from '../shared/assert-never';\nexport const f = assertNever;\n")).toEqual([]);
  });
});
