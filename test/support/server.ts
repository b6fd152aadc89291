import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createApp } from '../../apps/server/bootstrap';
import { loadConfig } from '../../apps/server/config';

export type RunningServer = {
  url: string;
  dataDir: string;
  app: NestFastifyApplication;
  /** Stops the server; the data dir is kept so a test can start again on it (a restart). */
  stop(): Promise<void>;
  request(method: string, path: string, body?: unknown, headers?: Record<string, string>): Promise<TestResponse>;
};

export type TestResponse = { status: number; headers: Headers; body: any; text: string };

/** The real Nest app on a real port with its own temp data dir; requests go over HTTP. */
export const startServer = async (options: { dataDir?: string; env?: Record<string, string> } = {}): Promise<RunningServer> => {
  const dataDir = options.dataDir ?? (await mkdtemp(join(tmpdir(), 'shiplog-e2e-')));
  const app = await createApp(loadConfig({ SHIPLOG_DATA_DIR: dataDir, PORT: '0', LOG_LEVEL: 'error', ...options.env }));
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.getHttpServer().address();
  const url = `http://127.0.0.1:${typeof address === 'object' && address ? address.port : 0}`;
  return {
    url,
    dataDir,
    app,
    stop: () => app.close(),
    request: async (method, path, body, headers = {}) => {
      const init: RequestInit = { method, headers: { ...(body === undefined ? {} : { 'content-type': 'application/json' }), ...headers } };
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

export const removeDataDir = (dir: string) => rm(dir, { recursive: true, force: true });
