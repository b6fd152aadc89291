import Database from 'better-sqlite3';
import { join } from 'node:path';
import { startFakeSlackApi, slackSignature, type FakeSlackApi } from '../libs/testing/slack/fake-slack-api';
import { eventually } from '../libs/testing/eventually';
import { removeDataDir, settled, startServer, type RunningServer } from './support/server';

const SIGNING_SECRET = 'slack-signing-secret-for-tests';
const report = (version: string, status: string, extra: Record<string, unknown> = {}) => ({ product_name: 'api', environment_name: 'production', version, status, ...extra });

describe('Slack (Bolt, local fake Slack Web API, signed requests)', () => {
  let slack: FakeSlackApi;
  let server: RunningServer;
  const env = () => ({ SLACK_BOT_TOKEN: 'xoxb-test-token', SLACK_SIGNING_SECRET: SIGNING_SECRET, SLACK_API_URL: slack.url, SHIPLOG_PUBLIC_URL: 'https://shiplog.example.com' });
  const post = (path: string, body: unknown) => server.request('POST', path, body);
  const posts = () => slack.callsTo('chat.postMessage').filter((c) => !c.args['thread_ts']);
  const ephemerals = () => slack.callsTo('chat.postEphemeral').map((c) => String(c.args['text']));

  /** Sends a form body to /slack/events, signed as Slack signs it. */
  const sendToSlackEndpoint = (form: Record<string, string>, options: { secret?: string; timestamp?: number } = {}) => {
    const body = new URLSearchParams(form).toString();
    const timestamp = options.timestamp ?? Math.floor(Date.now() / 1000);
    return fetch(`${server.url}/slack/events`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded', ...slackSignature(options.secret ?? SIGNING_SECRET, body, timestamp) },
      body,
    });
  };
  const clickButton = (actionId: string, value: string, user: string) =>
    sendToSlackEndpoint({
      payload: JSON.stringify({
        type: 'block_actions',
        user: { id: user, username: `${user.toLowerCase()}-name` },
        channel: { id: 'C1' },
        team: { id: 'T1' },
        api_app_id: 'A1',
        token: 'legacy',
        trigger_id: 't',
        response_url: `${slack.url}response`,
        actions: [{ type: 'button', action_id: actionId, value, block_id: 'b', action_ts: '1' }],
      }),
    });
  const slash = (text: string, user = 'U0OPS') =>
    sendToSlackEndpoint({ command: '/shiplog', text, user_id: user, user_name: 'ops', channel_id: 'C1', team_id: 'T1', api_app_id: 'A1', token: 'legacy', trigger_id: 't', response_url: `${slack.url}response` });

  beforeEach(async () => {
    slack = await startFakeSlackApi();
    server = await startServer({ env: env() });
  });
  afterEach(async () => {
    await server.stop();
    await removeDataDir(server.dataDir);
    await slack.close();
  });

  describe('notification preferences (Versioner shape)', () => {
    it('adds, lists and removes preferences; refuses unknown types listing the valid ones', async () => {
      const added = await post('/notification-preferences/', { event_type: 'deployment.failed', channel_id: 'C1' });
      expect(added.status).toBe(201);
      expect((await post('/notification-preferences/', { event_type: 'deployment.failed', channel_id: 'C1' })).body.id).toBe(added.body.id);
      await post('/notification-preferences/', { event_type: 'build.*', channel_id: 'C2', product: 'api' });
      expect((await server.request('GET', '/notification-preferences/')).body.items).toHaveLength(2);
      const bad = await post('/notification-preferences/', { event_type: 'deployment.exploded', channel_id: 'C1' });
      expect(bad.body).toMatchObject({ status: 400, type: '/problems/unknown-event-type' });
      expect(bad.body.errors[0].accepted).toEqual(expect.arrayContaining(['deployment.*', 'deployment.failed', 'build.completed']));
      expect((await server.request('DELETE', `/notification-preferences/${added.body.id}`)).status).toBe(204);
      expect((await server.request('GET', '/notification-preferences/')).body.items).toHaveLength(1);
    });
  });

  describe('notifier', () => {
    it('posts one message per deployment and updates it in place through the lifecycle', async () => {
      await post('/notification-preferences/', { event_type: 'deployment.*', channel_id: 'C1' });
      await post('/deployment-events/', report('1.0.0', 'started', { deployed_by: 'alice', build_url: 'https://ci/1' }));
      await eventually(() => expect(posts()).toHaveLength(1));
      await post('/deployment-events/', report('1.0.0', 'success'));
      await settled(server);
      expect(posts()).toHaveLength(1);
      expect(slack.callsTo('chat.update')).toHaveLength(1);
      const [message] = slack.messages;
      expect(message!.text).toBe('✅ *api* 1.0.0 → *production*: completed');
      expect(JSON.stringify(message!.blocks)).toMatch(/by alice/);
      expect(JSON.stringify(message!.blocks)).toMatch(/shiplog_rollback/);
      expect(JSON.stringify(message!.blocks)).toMatch(/https:\/\/shiplog\.example\.com\/deployments\//);
      const deliveries = (await server.request('GET', '/api/v1/notifications/deliveries')).body.items;
      expect(deliveries).toEqual([expect.objectContaining({ channel: 'C1', ts: message!.ts, status: 'posted', last_status: 'completed' })]);
    });

    it('filters by type, product and environment, and threads the failure detail', async () => {
      await post('/notification-preferences/', { event_type: 'deployment.failed', channel_id: 'C2', product: 'api', environment: 'production' });
      await post('/deployment-events/', { ...report('1.0.0', 'failed'), product_name: 'web' });
      await post('/deployment-events/', report('1.0.0', 'started'));
      await post('/deployment-events/', report('1.0.0', 'failed', { extra_metadata: { error: 'Lambda timeout after 30s' } }));
      await settled(server);
      expect(posts()).toHaveLength(1);
      expect(posts()[0]!.args['channel']).toBe('C2');
      expect(slack.messages[0]!.text).toMatch(/❌ \*api\* 1\.0\.0 → \*production\*: failed/);
      const thread = slack.callsTo('chat.postMessage').filter((c) => c.args['thread_ts']);
      expect(thread.map((c) => c.args['text'])).toEqual(['Failure detail: Lambda timeout after 30s']);
    });

    it('keeps one message across a restart in the middle of a lifecycle', async () => {
      await post('/notification-preferences/', { event_type: 'deployment.*', channel_id: 'C1' });
      await post('/deployment-events/', report('1.0.0', 'started'));
      await settled(server);
      await server.stop();
      server = await startServer({ dataDir: server.dataDir, env: env() });
      await post('/deployment-events/', report('1.0.0', 'success'));
      await settled(server);
      await server.stop();
      server = await startServer({ dataDir: server.dataDir, env: env() });
      await settled(server);
      expect(posts()).toHaveLength(1);
      expect(slack.messages).toHaveLength(1);
      expect(slack.messages[0]!.text).toMatch(/completed/);
    });

    it('finds a message whose post was interrupted by a crash in the channel history instead of posting again', async () => {
      await post('/notification-preferences/', { event_type: 'deployment.*', channel_id: 'C1' });
      await post('/deployment-events/', report('1.0.0', 'started'));
      await settled(server);
      await server.stop();
      // As if the server died after Slack accepted the post but before Shiplog recorded its ts.
      const db = new Database(join(server.dataDir, 'outbox.db'));
      db.prepare("UPDATE slack_messages SET ts = NULL, status = 'posting'").run();
      db.close();
      server = await startServer({ dataDir: server.dataDir, env: env() });
      await post('/deployment-events/', report('1.0.0', 'success'));
      await settled(server);
      expect(posts()).toHaveLength(1);
      expect(slack.callsTo('conversations.history')).toHaveLength(1);
      expect(slack.messages[0]!.text).toMatch(/completed/);
    });

    it('waits Retry-After on a 429 and still posts once', async () => {
      await post('/notification-preferences/', { event_type: 'build.*', channel_id: 'C1' });
      slack.rateLimit('chat.postMessage', 1);
      const started = Date.now();
      await post('/build-events/', { product_name: 'api', version: '1.0.0', status: 'building' });
      await eventually(() => expect(posts()).toHaveLength(1), { within: 5_000 });
      expect(slack.callsTo('chat.postMessage:429')).toHaveLength(1);
      expect(posts()[0]!.at - started).toBeGreaterThanOrEqual(1_000);
      expect(slack.messages[0]!.text).toBe('🔨 *api* 1.0.0 build: started');
    });
  });

  describe('interactivity', () => {
    let failedId: string;

    beforeEach(async () => {
      await post('/deployment-events/', report('1.0.0', 'success'));
      failedId = (await post('/deployment-events/', report('2.0.0', 'failed'))).body.deployment_id;
    });

    it('rolls back from the Rollback button as the mapped Slack user', async () => {
      await post('/api/v1/slack/users', { slack_user_id: 'U0OPS', role: 'operator' });
      const response = await clickButton('shiplog_rollback', failedId, 'U0OPS');
      expect(response.status).toBe(200);
      await eventually(() => expect(ephemerals()).toEqual([expect.stringMatching(/^Rollback of api in production requested/)]));
      const [rollback] = (await server.request('GET', '/deployments/?environment=production&limit=1')).body.items;
      expect(rollback).toMatchObject({ kind: 'rollback', version: '1.0.0' });
      const events = (await server.request('GET', `/deployments/${rollback.id}`)).body.events;
      expect(events[0].actor).toEqual({ kind: 'slack', id: 'slack:U0OPS', name: 'u0ops-name' });
    });

    it('refuses an unmapped or under-privileged user with an ephemeral message, changing nothing', async () => {
      await post('/api/v1/slack/users', { slack_user_id: 'U0VIEW', role: 'viewer' });
      await clickButton('shiplog_rollback', failedId, 'U0NOBODY');
      await clickButton('shiplog_rollback', failedId, 'U0VIEW');
      await eventually(() =>
        expect(ephemerals()).toEqual([
          'You are not allowed to roll back: your Slack user is not mapped to a Shiplog role.',
          'You are not allowed to roll back: your Shiplog role is viewer, this needs operator.',
        ]),
      );
      expect((await server.request('GET', '/deployments/?environment=production')).body.items.filter((d: { kind: string }) => d.kind === 'rollback')).toEqual([]);
    });

    it('approves from the Approve button on an approval request message', async () => {
      await server.request('PATCH', '/api/v1/environments/production', { approval_required: 1 });
      await post('/notification-preferences/', { event_type: 'deployment.approval_requested', channel_id: 'C9' });
      await post('/api/v1/slack/users', { slack_user_id: 'U0LEAD', role: 'operator' });
      await post('/build-events/', { product_name: 'api', version: '3.0.0', status: 'built' });
      const requested = await post('/api/v1/deployments', { application: 'api', version: '3.0.0', environment: 'production' });
      await eventually(() => expect(JSON.stringify(slack.messages.find((m) => m.channel === 'C9')?.blocks)).toMatch(/shiplog_approve.*shiplog_reject/));
      expect(slack.messages.find((m) => m.channel === 'C9')!.text).toMatch(/awaiting approval/);
      await clickButton('shiplog_approve', requested.body.deployment_id, 'U0LEAD');
      await eventually(async () => expect((await server.request('GET', `/deployments/${requested.body.deployment_id}`)).body).toMatchObject({ phase: 'dispatched', approvals: [expect.objectContaining({ approver: 'slack:U0LEAD' })] }));
      expect(ephemerals()).toEqual(['Approved api 3.0.0 → production.']);
    });

    it('refuses bad and stale signatures with 401', async () => {
      expect((await clickButtonWith({ secret: 'wrong-secret' })).status).toBe(401);
      const stale = await clickButtonWith({ timestamp: Math.floor(Date.now() / 1000) - 600 });
      expect(stale.status).toBe(401);
      expect(await stale.json()).toMatchObject({ type: '/problems/invalid-slack-signature' });
    });

    const clickButtonWith = (options: { secret?: string; timestamp?: number }) => sendToSlackEndpoint({ payload: '{"type":"block_actions"}' }, options);

    it('answers /shiplog status, help, rollback and promote', async () => {
      await post('/api/v1/slack/users', { slack_user_id: 'U0OPS', role: 'operator' });
      const status = await (await slash('status api')).json();
      expect(status).toMatchObject({ response_type: 'ephemeral', text: expect.stringMatching(/\*production\*: 1\.0\.0 \(failed, latest 2\.0\.0\)/) });
      const slashText = async (text: string, user?: string) => ((await (await slash(text, user)).json()) as { text: string }).text;
      expect(await slashText('help')).toMatch(/\/shiplog rollback <product> <environment> \[version\]/);
      expect(await slashText('rollback api production')).toMatch(/^Rollback of api in production requested/);
      expect(await slashText('promote api staging production')).toMatch(/Not done: Nothing has completed in lane-api@staging/);
      expect(await slashText('status api', 'U0NOBODY')).toMatch(/not mapped to a Shiplog role/);
    });
  });

  describe('strategy runs', () => {
    type Status = { strategy_status: string | null; traffic_percent: number; step: { number: number; of: number } | null };
    type Block = { type: string; elements?: { action_id: string; value: string }[] };
    const status = async (id: string) => (await server.request('GET', `/api/v1/deployments/${id}/status`)).body as Status;
    const slashReply = async (text: string, user?: string) => (await (await slash(text, user)).json()) as { text: string; blocks?: Block[] };
    const slashText = async (text: string, user?: string) => (await slashReply(text, user)).text;
    const buttonsOf = (blocks: unknown) => ((blocks ?? []) as Block[]).find((b) => b.type === 'actions')?.elements ?? [];

    /** A canary of 10 % → 55 % → 100 %: the 30 s interval keeps it at step 1 (10 %) for the whole test. */
    const startCanary = async () => {
      await post('/build-events/', { product_name: 'api', version: '2.0.0', status: 'built' });
      const strategy = { name: 'canary', initial_percentage: 10, increment: 45, interval: 30 };
      const accepted = await post('/api/v1/deployments', { application: 'api', version: '2.0.0', environment: 'production', config: { strategy } });
      expect(accepted.status).toBe(202);
      const id = accepted.body.deployment_id as string;
      await eventually(async () => expect(await status(id)).toMatchObject({ strategy_status: 'running', traffic_percent: 10, step: { number: 1, of: 3 } }), { within: 5_000 });
      return id;
    };

    beforeEach(async () => {
      // Every step (and the traffic rollback) is a command that succeeds at once.
      const executor = { type: 'command', command: [process.execPath, '-e', ''], timeout_seconds: 30 };
      expect((await server.request('PATCH', '/api/v1/environments/production', { executor })).status).toBe(200);
      await post('/api/v1/slack/users', { slack_user_id: 'U0OPS', role: 'operator' });
      await post('/api/v1/slack/users', { slack_user_id: 'U0VIEW', role: 'viewer' });
    });

    it('posts the plan with Pause / Promote now / Abort when the run starts; Abort from the button rolls traffic back', async () => {
      await post('/notification-preferences/', { event_type: 'deployment.started', channel_id: 'C1' });
      const id = await startCanary();
      const message = () => slack.messages.find((m) => m.channel === 'C1');
      await eventually(() => expect(buttonsOf(message()?.blocks).map((b) => b.action_id)).toEqual(['shiplog_strategy_pause', 'shiplog_strategy_promote_now', 'shiplog_strategy_abort']));
      expect(buttonsOf(message()!.blocks).map((b) => b.value)).toEqual([id, id, id]);
      expect(JSON.stringify(message()!.blocks)).toContain('*Canary* — 3 steps: 10 % → 55 % → 100 %, 30 s between steps');
      expect(posts()).toHaveLength(1);

      await clickButton('shiplog_strategy_abort', id, 'U0OPS');
      await eventually(() => expect(ephemerals()).toEqual(['Aborted the canary of api 2.0.0 → production at step 1 of 3 (10 %); traffic goes back to the stable version.']));
      await eventually(async () => expect(await status(id)).toMatchObject({ strategy_status: 'aborted', traffic_percent: 0 }), { within: 5_000 });
      expect((await server.request('GET', `/api/v1/deployments/${id}/result`)).body.errors).toEqual(['abort requested in Slack by u0ops-name']);
      // The message follows the run: no buttons once there is nothing left to steer.
      await eventually(() => expect(buttonsOf(message()!.blocks)).toEqual([]));
      await eventually(() => expect(JSON.stringify(message()!.blocks)).toContain('aborted: abort requested in Slack by u0ops-name'));
      expect(posts()).toHaveLength(1);
      expect(await slashText(`pause ${id}`)).toBe(`Not done: Deployment ${id} already ended as "aborted".`);
    });

    it('pauses, resumes and promotes a running canary from /shiplog as the mapped Slack user', async () => {
      const id = await startCanary();
      const paused = await slashReply(`pause ${id} watching the error rate`);
      expect(paused.text).toBe('Paused the canary of api 2.0.0 → production at step 1 of 3 (10 %).');
      expect(buttonsOf(paused.blocks)).toEqual([expect.objectContaining({ action_id: 'shiplog_strategy_resume', value: id })]);
      expect(await status(id)).toMatchObject({ strategy_status: 'paused', traffic_percent: 10 });
      const [pause] = (await server.request('GET', `/api/v1/audit?stream=strategy-${id}&type=deployment.strategy_paused`)).body.items;
      expect(pause).toMatchObject({ data: { reason: 'watching the error rate' }, metadata: { actor: { kind: 'slack', id: 'slack:U0OPS' } } });
      expect(await slashText(`pause ${id}`)).toBe('Nothing to do: the canary of api 2.0.0 → production is paused already at step 1 of 3 (10 %).');

      expect(await slashText(`resume ${id}`)).toBe('Resumed the canary of api 2.0.0 → production at step 1 of 3 (10 %).');
      expect(await status(id)).toMatchObject({ strategy_status: 'running', traffic_percent: 10 });

      expect(await slashText(`promote-now ${id} looks good`)).toBe('Promoting the canary of api 2.0.0 → production to 100 % now; it was at step 1 of 3 (10 %).');
      await eventually(async () => expect(await status(id)).toMatchObject({ strategy_status: 'completed', traffic_percent: 100 }), { within: 5_000 });
    });

    it('resumes from the Resume button', async () => {
      const id = await startCanary();
      await clickButton('shiplog_strategy_pause', id, 'U0OPS');
      await eventually(async () => expect(await status(id)).toMatchObject({ strategy_status: 'paused' }));
      await clickButton('shiplog_strategy_resume', id, 'U0OPS');
      await eventually(async () => expect(await status(id)).toMatchObject({ strategy_status: 'running' }));
      await eventually(() => expect(ephemerals()).toEqual(['Paused the canary of api 2.0.0 → production at step 1 of 3 (10 %).', 'Resumed the canary of api 2.0.0 → production at step 1 of 3 (10 %).']));
    });

    it('refuses a viewer, by slash command and by button, changing nothing', async () => {
      const id = await startCanary();
      expect(await slashText(`abort ${id}`, 'U0VIEW')).toBe('You are not allowed to abort a strategy run: your Shiplog role is viewer, this needs operator.');
      await clickButton('shiplog_strategy_pause', id, 'U0VIEW');
      await eventually(() => expect(ephemerals()).toEqual(['You are not allowed to pause a strategy run: your Shiplog role is viewer, this needs operator.']));
      expect(await status(id)).toMatchObject({ strategy_status: 'running', traffic_percent: 10 });
    });

    it('answers with usage, and for unknown deployments and deployments without a strategy run', async () => {
      expect(await slashText('pause')).toBe('Usage: /shiplog pause <deployment-id> [reason…] — hold a strategy run at its current traffic weight');
      expect(await slashText('resume')).toBe('Usage: /shiplog resume <deployment-id> — continue a paused strategy run');
      expect(await slashText('help')).toMatch(/`\/shiplog promote-now <deployment-id> \[reason…\]` — skip the remaining steps/);
      expect(await slashText('abort 01900000-0000-7000-8000-000000000000')).toBe('That deployment is unknown to Shiplog.');
      const direct = (await post('/deployment-events/', report('1.0.0', 'success'))).body.deployment_id as string;
      await eventually(async () => expect(await slashText(`promote-now ${direct}`)).toBe('api 1.0.0 → production has no strategy run to steer: it deploys directly (no config.strategy).'));
    });
  });

  it('reports slack enabled in /health, and disabled without configuration', async () => {
    expect((await server.request('GET', '/health')).body.details.slack).toMatchObject({ slack: 'enabled' });
    await server.stop();
    server = await startServer({ dataDir: server.dataDir });
    expect((await server.request('GET', '/health')).body.details.slack).toMatchObject({ slack: 'disabled' });
    expect((await sendToSlackEndpoint({ payload: '{}' })).status).toBe(404);
  });
});
