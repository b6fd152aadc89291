import type { LoggerService } from '@nestjs/common';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/server/bootstrap';
import { loadConfig } from '../../apps/server/config';
import { eventually } from '../../libs/testing/eventually';
import { ROOT } from './cli';

/** The static admin token every test server accepts (SHIPLOG_ADMIN_TOKEN). */
export const TEST_ADMIN_TOKEN = 'test-admin-token-0123456789abcdef0123456789';

export type RunningServer = {
  url: string;
  dataDir: string;
  app: NestFastifyApplication;
  /** Stops the server; the data dir is kept so a test can start again on it (a restart). */
  stop(): Promise<void>;
  /** Sends the admin token unless `headers` sets `authorization` (an empty string sends none). */
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
};

export type TestResponse = { status: number; headers: Headers; body: any; text: string };

/** The real Nest app on a real port with its own temp data dir; requests go over HTTP. */
export const startServer = async (options: { dataDir?: string; env?: Record<string, string>; logger?: LoggerService } = {}): Promise<RunningServer> => {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'shiplog-e2e-')));
  const env = { SHIPLOG_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', SHIPLOG_ADMIN_TOKEN: TEST_ADMIN_TOKEN, ...options.env };
  const app = await createApp(loadConfig(Object.fromEntries(Object.entries(env).filter(([, v]) => v !== ''))), options.logger);
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    dataDir,
    app,
    stop: () => app.close(),
    request: async (method, path, body, headers = {}) => {
      const { authorization = `Bearer ${TEST_ADMIN_TOKEN}`, ...rest } = headers;
      const init: RequestInit = {
        method,
        headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...(authorization ? { authorization } : {}), ...rest },
      };
      if (body !== undefined) init.body = typeof body === 'string' ? body : JSON.stringify(body);
      const response = await fetch(`${url}${path}`, init);
      const text = await response.text();
      let parsed: unknown = undefined;
      try {
        parsed = text ? JSON.parse(text) : undefined;
      } catch {
        parsed = undefined;
      }
      return { status: response.status, headers: response.headers, body: parsed, text };
    },
  };
};

/** Collects what the app logs, to assert on it (e.g. that a secret never appears). */
export const capturingLogger = (): LoggerService & { lines: string[] } => {
  const lines: string[] = [];
  const keep = (level: string) => (message: unknown, ...rest: unknown[]) => void lines.push(`${level} ${[message, ...rest].map(String).join(' ')}`);
  return { lines, log: keep('log'), warn: keep('warn'), error: keep('error'), debug: keep('debug'), verbose: keep('verbose'), fatal: keep('fatal') };
};

/** Waits until projections and reactors have handled every event so far (no fixed sleeps). */
export const settled = (server: RunningServer, within = 5_000) =>
  eventually(
    async () => {
      const { details } = (await server.request('GET', '/health')).body;
      const lags = Object.values(details.projections.projections as Record<string, { lag: number }>).map((p) => p.lag);
      const backlogs = Object.values((details.reactors.reactors ?? {}) as Record<string, { backlog: number }>).map((r) => r.backlog);
      expect([...lags, ...backlogs].every((n) => n === 0)).toBe(true);
    },
    { within },
  );

/** Every file under a data dir (databases, key, artifacts), to search them for something that must not be there. */
export const dataFiles = (dir: string): string[] =>
  readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? dataFiles(join(dir, entry.name)) : [join(dir, entry.name)]));

export const removeDataDir = (dir: string) => rm(dir, { recursive: true, force: true });

/**
 * Starts the built server (dist/) as its own process group — a real second process, so tests can kill -9 it
 * (its command children die with the group) or run several replicas on one data dir.
 */
export const spawnServer = (dataDir: string, env: Record<string, string> = {}): Promise<{ child: ChildProcess; url: string }> =>
  new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [join(ROOT, 'dist/apps/server/main.js')], {
      env: { PATH: process.env['PATH'] ?? '', PORT: '0', HOST: '127.0.0.1', SHIPLOG_DATA_DIR: dataDir, SHIPLOG_ADMIN_TOKEN: TEST_ADMIN_TOKEN, LOG_LEVEL: 'log', ...env },
      detached: true,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let output = '';
    child.stdout!.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      const port = /listening on http:\/\/127\.0\.0\.1:(\d+)/.exec(output)?.[1];
      if (port) resolve({ child, url: `http://127.0.0.1:${port}` });
    });
    child.on('exit', (code) => reject(new Error(`server exited with ${code}: ${output}`)));
  });
