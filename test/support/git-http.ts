import { spawn, spawnSync } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** Whether this machine has a git binary (its `git http-backend` serves the smart HTTP protocol in tests). */
export const hasGit = (): boolean => spawnSync('git', ['--version']).status === 0;

/**
 * A real git smart-HTTP server: `git http-backend` (CGI) behind Basic auth, serving the repositories under `root`.
 * Shiplog fetches from it as from any https remote; only the transport is plain http on loopback.
 */
export const gitHttpServer = async (root: string, credentials: { username: string; password: string }): Promise<{ url: string; close(): Promise<void> }> => {
  const expected = `Basic ${Buffer.from(`${credentials.username}:${credentials.password}`).toString('base64')}`;
  const server: Server = createServer((req, res) => {
    if (req.headers.authorization !== expected) {
      res.writeHead(401, { 'www-authenticate': 'Basic realm="git"' });
      return void res.end();
    }
    const url = new URL(req.url ?? '/', 'http://localhost');
    const cgi = spawn('git', ['http-backend'], {
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        GIT_PROJECT_ROOT: root,
        GIT_HTTP_EXPORT_ALL: '1',
        PATH_INFO: decodeURIComponent(url.pathname),
        QUERY_STRING: url.search.slice(1),
        REQUEST_METHOD: req.method ?? 'GET',
        CONTENT_TYPE: req.headers['content-type'] ?? '',
        HTTP_CONTENT_ENCODING: req.headers['content-encoding'] ?? '',
        REMOTE_USER: credentials.username,
      },
    });
    req.pipe(cgi.stdin);
    let head = Buffer.alloc(0);
    let streaming = false;
    cgi.stdout.on('data', (chunk: Buffer) => {
      if (streaming) return void res.write(chunk);
      head = Buffer.concat([head, chunk]);
      const end = head.indexOf('\r\n\r\n');
      if (end < 0) return;
      const headers = head.subarray(0, end).toString('latin1').split('\r\n').map((line) => [line.slice(0, line.indexOf(':')).trim(), line.slice(line.indexOf(':') + 1).trim()] as const);
      const status = Number(headers.find(([name]) => name.toLowerCase() === 'status')?.[1].split(' ')[0] ?? 200);
      res.writeHead(status, Object.fromEntries(headers.filter(([name]) => name.toLowerCase() !== 'status')));
      res.write(head.subarray(end + 4));
      streaming = true;
    });
    cgi.stdout.on('end', () => res.end());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
};
