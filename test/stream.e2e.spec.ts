import { removeDataDir, startServer, type RunningServer } from './support/server';

type Change = { type: string; product?: string; environment?: string };

/** Reads `GET /api/v1/stream` for `seconds` while `during` runs; the changes it received. */
const listen = async (server: RunningServer, token: string, seconds: number, during: () => Promise<void>): Promise<Change[]> => {
  const response = await fetch(`${server.url}/api/v1/stream?max_seconds=${seconds}`, { headers: { authorization: `Bearer ${token}` } });
  expect(response.headers.get('content-type')).toBe('text/event-stream');
  const text = response.text();
  await during();
  return (await text)
    .split('\n\n')
    .filter((block) => block.includes('event: change'))
    .map((block) => JSON.parse(/^data: (.*)$/m.exec(block)![1]!) as Change);
};

describe('live stream of projected changes (HTTP, real app)', () => {
  let server: RunningServer;
  const token = async (body: object) => (await server.request('POST', '/api/v1/tokens', body)).body.token as string;

  beforeEach(async () => {
    server = await startServer();
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
  });

  it("streams deployment changes within the token's scope, and never token or variable events", async () => {
    const web = await token({ name: 'web-only', role: 'viewer', products: ['web'] });
    const staging = await token({ name: 'staging-only', role: 'viewer', environments: ['staging'] });
    const all = await token({ name: 'everything', role: 'viewer' });
    const activity = async () => {
      await new Promise((resolve) => setTimeout(resolve, 200));
      await server.request('POST', '/deployment-events/', { product_name: 'api', environment_name: 'production', version: '1.0.0', status: 'success' });
      await server.request('POST', '/deployment-events/', { product_name: 'web', environment_name: 'staging', version: '2.0.0', status: 'success' });
      await server.request('POST', '/api/v1/environments/production/lock', { reason: 'incident' });
      await server.request('PUT', '/api/v1/environments/production/variables/DB_PASSWORD', { value: 'hunter2', secret: true });
      await server.request('POST', '/api/v1/tokens', { name: 'another', role: 'viewer' });
      await server.request('POST', '/api/v1/gitops/sources', { repo_url: 'file:///srv/deployments' });
    };
    const [webSees, stagingSees, allSees] = await Promise.all([listen(server, web, 2, activity), listen(server, staging, 2, async () => undefined), listen(server, all, 2, async () => undefined)]);

    // An environment's lock concerns every product deployed there: a product-scoped token sees it too.
    expect(webSees.map((c) => `${c.type} ${c.product ?? c.environment}`)).toEqual(['deployment.started web', 'deployment.completed web', 'environment.locked production']);
    expect(stagingSees.map((c) => `${c.type} ${c.environment}`)).toEqual(['deployment.started staging', 'deployment.completed staging']);
    expect(allSees.map((c) => c.type)).toEqual([
      'deployment.started',
      'deployment.completed',
      'deployment.started',
      'deployment.completed',
      'environment.locked',
      'gitops.source_added',
    ]);
  });
});
