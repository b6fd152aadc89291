import { connect, type Socket } from 'node:net';
import { removeDataDir, startServer, TEST_ADMIN_TOKEN } from './support/server';

/** A client that sends a request's headers and part of its body, then stalls. */
const stalledRequest = (url: string): Promise<Socket> => {
  const { hostname, port } = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = connect(Number(port), hostname, () => {
      socket.write(
        'POST /deployment-events/ HTTP/1.1\r\n' +
          `Host: ${hostname}\r\nAuthorization: Bearer ${TEST_ADMIN_TOKEN}\r\nContent-Type: application/json\r\nContent-Length: 1000\r\n\r\n{"product_name":`,
      );
      resolve(socket);
    });
    socket.on('error', () => undefined); // closed by the server: expected
    socket.once('error', reject);
  });
};

describe('shutdown (HTTP, real app)', () => {
  it('closes a connection whose request never completes once SHIPLOG_SHUTDOWN_GRACE_MS has passed', async () => {
    const server = await startServer({ env: { SHIPLOG_SHUTDOWN_GRACE_MS: '300' } });
    try {
      const socket = await stalledRequest(server.url);
      const closed = new Promise<void>((resolve) => socket.once('close', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 100)); // the server has the request's head
      const stopping = Date.now();
      // Without the bound, close() waits for that request until the 30 s request timeout.
      await server.stop();
      expect(Date.now() - stopping).toBeLessThan(10_000);
      await closed;
    } finally {
      await removeDataDir(server.dataDir);
    }
  });

  it('refuses a shutdown grace it cannot use', async () => {
    await expect(startServer({ env: { SHIPLOG_SHUTDOWN_GRACE_MS: 'soon' } })).rejects.toThrow(/SHIPLOG_SHUTDOWN_GRACE_MS/);
  });
});
