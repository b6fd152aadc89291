import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { App, LogLevel, type Receiver, type ReceiverEvent, webApi } from '@slack/bolt';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { LaneActionCommand, PromoteCommand, RollbackCommand, type ControlResult } from '../../../libs/application/deployments/control-plane.handlers';
import type { CommandMeta } from '../../../libs/application/shared/command-meta';
import { StrategyService, type StrategyView } from '../../../libs/application/strategies/strategy.service';
import { roleAllows, type Role } from '../../../libs/domain/access/roles';
import type { StrategyCommand } from '../../../libs/domain/strategies/strategy.commands';
import { DomainError } from '../../../libs/domain/shared/domain-error';
import { NAME_PATTERN } from '../../../libs/domain/shared/names';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { StateQueries } from '../../../libs/read-models/state/state.queries';
import { ACTIONS, resumeButton, strategyLabel } from '../../../libs/notifications/slack/message-format';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { ReadConsistency } from '../infrastructure/consistency';

/** Slack wants an answer within 3 s; what the listener has not acknowledged by then is answered empty. */
const SLACK_ACK_WITHIN_MS = 2_500;
/** A reply that reads a read model waits at most this long for it, leaving time to answer within SLACK_ACK_WITHIN_MS. */
const SLACK_READ_WAIT_MS = 1_500;

type AckPayload = Record<string, unknown> | string | undefined;
type SlackUser = { id: string; username?: string; name?: string };

/** A reply with Block Kit (the Resume button under "Paused …"); a plain string is text only. */
type Reply = string | { text: string; blocks: unknown[] };

/** The arguments of a Slack message for a reply; message-format builds blocks untyped, as the notifier posts them. */
const messageOf = (reply: Reply) => (typeof reply === 'string' ? { text: reply } : { text: reply.text, blocks: reply.blocks as never });

/** Bolt's receiver, fed by Shiplog's own Fastify route: Bolt routes, Shiplog verifies and answers HTTP. */
class ShiplogReceiver implements Receiver {
  app: App | null = null;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

type Steer = 'pause' | 'resume' | 'promote-now' | 'abort';

/** Steering a strategy run, by the /shiplog verbs (the HTTP API's paths): its command, button and wording. */
const STEERING = {
  pause: { type: 'PauseStrategy', action: ACTIONS.pause, what: 'pause a strategy run', usage: '/shiplog pause <deployment-id> [reason…]', help: 'hold a strategy run at its current traffic weight' },
  resume: { type: 'ResumeStrategy', action: ACTIONS.resume, what: 'resume a strategy run', usage: '/shiplog resume <deployment-id>', help: 'continue a paused strategy run' },
  'promote-now': { type: 'PromoteNow', action: ACTIONS.promoteNow, what: 'promote a strategy run', usage: '/shiplog promote-now <deployment-id> [reason…]', help: 'skip the remaining steps: 100 % to the new version next' },
  abort: { type: 'AbortStrategy', action: ACTIONS.abort, what: 'abort a strategy run', usage: '/shiplog abort <deployment-id> [reason…]', help: 'stop a strategy run and roll traffic back to the stable version' },
} as const satisfies Record<Steer, { type: StrategyCommand['type']; action: string; what: string; usage: string; help: string }>;

const STEERS = Object.keys(STEERING) as Steer[];

const HELP = [
  '`/shiplog status <product> [environment]` — what runs where',
  '`/shiplog rollback <product> <environment> [version]` — roll back (default: the previous successful version)',
  '`/shiplog promote <product> <from> <to>` — promote what completed in <from>',
  ...STEERS.map((verb) => `\`${STEERING[verb].usage}\` — ${STEERING[verb].help}`),
  '`/shiplog help` — this help',
].join('\n');

/** What a steered run was doing when the command was taken: "at step 2 of 10 (20 %)". */
const whereRunIs = (run: StrategyView): string => (run.current_step ? `at step ${run.current_step.number} of ${run.current_step.of} (${run.current_step.traffic_percent} %)` : 'before its first step');

/** Why a command changed nothing: the run was already where the operator wanted it. */
const ALREADY: Record<Steer, (run: StrategyView) => string> = {
  pause: () => 'is paused already',
  resume: () => 'is running already',
  'promote-now': () => 'is on its way to 100 % already',
  abort: (run) => (run.status === 'aborted' ? 'was aborted already' : 'is rolling back already'),
};

/** The operator's read-back, from the run as it was before the command (after it, a resumed or promoted run may have moved on). */
const steered = (verb: Steer, run: StrategyView, unchanged: boolean): Reply => {
  const subject = `${strategyLabel(run.strategy.name)} of ${run.product} ${run.version} → ${run.environment}`;
  const at = whereRunIs(run);
  if (unchanged) return `Nothing to do: the ${subject} ${ALREADY[verb](run)} ${at}.`;
  switch (verb) {
    case 'pause': {
      const text = `Paused the ${subject} ${at}.`;
      return { text, blocks: [{ type: 'section', text: { type: 'mrkdwn', text } }, { type: 'actions', elements: [resumeButton(run.deployment_id)] }] };
    }
    case 'resume':
      return `Resumed the ${subject} ${at}.`;
    case 'promote-now':
      return `Promoting the ${subject} to 100 % now; it was ${at}.`;
    case 'abort':
      return `Aborted the ${subject} ${at}; traffic goes back to the stable version.`;
  }
};

/**
 * Slack interactivity: buttons on messages (Rollback, Approve, Reject; Pause, Resume, Promote now, Abort on a
 * strategy run) and the /shiplog slash command become the same commands as the HTTP API, with the Slack user as
 * actor — if that user is mapped to a role that allows it.
 */
@Injectable()
export class SlackGateway {
  private readonly logger = new Logger('Slack');
  private readonly receiver = new ShiplogReceiver();
  readonly app: App | null;
  readonly client: webApi.WebClient | null;

  constructor(
    @Inject(SERVER_CONFIG) config: ServerConfig,
    private readonly commands: CommandBus,
    private readonly registry: TokenRegistry,
    private readonly deployments: DeploymentQueries,
    private readonly state: StateQueries,
    private readonly strategies: StrategyService,
    private readonly consistency: ReadConsistency,
  ) {
    if (!config.slack) {
      this.app = null;
      this.client = null;
      return;
    }
    this.client = new webApi.WebClient(config.slack.botToken, {
      ...(config.slack.apiUrl ? { slackApiUrl: config.slack.apiUrl } : {}),
      retryConfig: { retries: 5, factor: 2, minTimeout: 200, maxTimeout: 10_000 },
      rejectRateLimitedCalls: false,
      logLevel: webApi.LogLevel.ERROR,
    });
    this.app = new App({
      token: config.slack.botToken,
      receiver: this.receiver,
      tokenVerificationEnabled: false,
      logLevel: LogLevel.ERROR,
      ...(config.slack.apiUrl ? { clientOptions: { slackApiUrl: config.slack.apiUrl } } : {}),
    });
    this.register(this.app);
  }

  /** Hands a verified request to Bolt; resolves with what the listener acknowledged (within Slack's 3 s). */
  async dispatch(body: Record<string, unknown>): Promise<AckPayload> {
    const app = this.receiver.app;
    if (!app) return undefined;
    return new Promise<AckPayload>((resolve) => {
      const timer = setTimeout(() => resolve(undefined), SLACK_ACK_WITHIN_MS);
      const event: ReceiverEvent = {
        body,
        ack: async (response?: AckPayload) => {
          clearTimeout(timer);
          resolve(response);
        },
      };
      app.processEvent(event).catch((error: unknown) => {
        this.logger.error(`Slack event failed: ${error instanceof Error ? error.message : String(error)}`);
        clearTimeout(timer);
        resolve(undefined);
      });
    });
  }

  private register(app: App): void {
    app.action(ACTIONS.rollback, async ({ ack, body, action, client }) => {
      await ack();
      const channel = (body as { channel?: { id: string } }).channel?.id ?? '';
      const user = body.user as SlackUser;
      const reply = await this.asUser(user, 'operator', 'roll back', async (meta) => {
        const deployment = await this.deploymentRead((action as { value: string }).value);
        if (!deployment) return 'That deployment is unknown to Shiplog.';
        const result = await this.commands.execute(new RollbackCommand({ product: deployment.product, environment: deployment.environment, reason: `rollback requested in Slack by ${meta.actor.name}` }, meta));
        return `Rollback of ${deployment.product} in ${deployment.environment} requested (deployment ${result.deploymentId}).`;
      });
      await client.chat.postEphemeral({ channel, user: user.id, text: reply });
    });

    for (const verb of ['approve', 'reject'] as const) {
      app.action(ACTIONS[verb], async ({ ack, body, action, client }) => {
        await ack();
        const channel = (body as { channel?: { id: string } }).channel?.id ?? '';
        const user = body.user as SlackUser;
        const reply = await this.asUser(user, 'operator', verb, async (meta) => {
          const deployment = await this.deploymentRead((action as { value: string }).value);
          if (!deployment) return 'That deployment is unknown to Shiplog.';
          const lane = { product: deployment.product, environment: deployment.environment, deployment_id: deployment.id, approver: meta.actor.id };
          await this.commands.execute(new LaneActionCommand(verb === 'approve' ? { type: 'ApproveDeployment', data: lane } : { type: 'RejectDeployment', data: lane }, meta));
          return `${verb === 'approve' ? 'Approved' : 'Rejected'} ${deployment.product} ${deployment.version} → ${deployment.environment}.`;
        });
        await client.chat.postEphemeral({ channel, user: user.id, text: reply });
      });
    }

    for (const verb of STEERS) {
      app.action(STEERING[verb].action, async ({ ack, body, action, client }) => {
        await ack();
        const channel = (body as { channel?: { id: string } }).channel?.id ?? '';
        const user = body.user as SlackUser;
        const reply = await this.asUser(user, 'operator', STEERING[verb].what, (meta) => this.steer(verb, (action as { value: string }).value, undefined, meta));
        await client.chat.postEphemeral({ channel, user: user.id, ...messageOf(reply) });
      });
    }

    app.command('/shiplog', async ({ command, ack }) => {
      const reply = await this.slashCommand(command.text ?? '', { id: command.user_id, name: command.user_name });
      await ack({ response_type: 'ephemeral', ...messageOf(reply) });
    });
  }

  /** A deployment from the read model, once it holds every event acknowledged before the click (read-your-writes). */
  private async deploymentRead(id: string) {
    await this.consistency.caughtUp(SLACK_READ_WAIT_MS);
    return this.deployments.get(id);
  }

  private async slashCommand(text: string, user: SlackUser): Promise<Reply> {
    const [verb, ...args] = text.trim().split(/\s+/).filter(Boolean);
    const names = (count: number) => args.length >= count && args.slice(0, count).every((a) => NAME_PATTERN.test(a));
    switch (verb) {
      case 'status': {
        if (!names(1)) return `Usage: /shiplog status <product> [environment]\n${HELP}`;
        return this.asUser(user, 'viewer', 'see status', async () => {
          const current = await this.consistency.caughtUp(SLACK_READ_WAIT_MS);
          const matrix = await this.state.matrix({ product: args[0]!, ...(args[1] ? { environment: args[1] } : {}) });
          const cells = matrix.rows[0]?.environments ?? {};
          const lines = matrix.environments.map((env) => {
            const cell = cells[env];
            return cell ? `• *${env}*: ${cell.current_version ?? '—'} (${cell.status}${cell.latest_version !== cell.current_version ? `, latest ${cell.latest_version}` : ''})` : `• *${env}*: —`;
          });
          const answer = lines.length ? `*${args[0]}*\n${lines.join('\n')}` : `Nothing is known about ${args[0]}.`;
          return current ? answer : `${answer}\n_(the latest events are still being applied: this may be behind)_`;
        });
      }
      case 'rollback':
        if (!names(2)) return `Usage: /shiplog rollback <product> <environment> [version]`;
        return this.asUser(user, 'operator', 'roll back', async (meta) => {
          const result: ControlResult = await this.commands.execute(
            new RollbackCommand({ product: args[0]!, environment: args[1]!, ...(args[2] ? { version: args[2] } : {}), reason: `rollback requested in Slack by ${meta.actor.name}` }, meta),
          );
          return `Rollback of ${args[0]} in ${args[1]} requested (deployment ${result.deploymentId}).`;
        });
      case 'promote':
        if (!names(3)) return `Usage: /shiplog promote <product> <from> <to>`;
        return this.asUser(user, 'operator', 'promote', async (meta) => {
          const result = await this.commands.execute(new PromoteCommand({ product: args[0]!, from: args[1]!, to: args[2]!, reason: `promotion requested in Slack by ${meta.actor.name}` }, meta));
          return `Promotion of ${args[0]} from ${args[1]} to ${args[2]} requested (deployment ${result.deploymentId}).`;
        });
      case 'pause':
      case 'resume':
      case 'promote-now':
      case 'abort':
        return this.slashSteer(verb, args, user);
      case 'help':
      case undefined:
        return HELP;
      default:
        return `Unknown command "${verb}".\n${HELP}`;
    }
  }

  /** `/shiplog pause <deployment-id> [reason…]` and the like; the rest of the line is the reason (the HTTP API takes up to 1,000 characters). */
  private slashSteer(verb: Steer, args: string[], user: SlackUser): Promise<Reply> {
    const [id, ...words] = args;
    if (!id || !NAME_PATTERN.test(id)) return Promise.resolve(`Usage: ${STEERING[verb].usage} — ${STEERING[verb].help}`);
    const reason = verb === 'resume' ? undefined : words.join(' ').slice(0, 1000) || undefined;
    return this.asUser(user, 'operator', STEERING[verb].what, (meta) => this.steer(verb, id, reason, meta));
  }

  /** Pause, resume, promote-now or abort a deployment's strategy run, as POST /api/v1/deployments/:id/<verb> does. */
  private async steer(verb: Steer, deploymentId: string, reason: string | undefined, meta: CommandMeta): Promise<Reply> {
    const run = await this.strategies.view(deploymentId);
    if (!run) return this.withoutRun(deploymentId);
    const on = { product: run.product, environment: run.environment, deployment_id: deploymentId };
    const command: StrategyCommand =
      verb === 'resume' ? { type: 'ResumeStrategy', data: on } : { type: STEERING[verb].type, data: { ...on, reason: reason ?? `${verb} requested in Slack by ${meta.actor.name}` } };
    const result = await this.strategies.execute(command, meta);
    return steered(verb, run, result.kind === 'unchanged');
  }

  /** Why there is nothing to steer: the deployment is unknown, deploys directly, or has not been dispatched yet (as the HTTP API says). */
  private async withoutRun(deploymentId: string): Promise<string> {
    const deployment = await this.deploymentRead(deploymentId);
    if (!deployment) return 'That deployment is unknown to Shiplog.';
    const why = deployment.phase === 'dispatched' || deployment.status !== 'pending' ? 'it deploys directly (no config.strategy)' : 'it has not been dispatched yet';
    return `${deployment.product} ${deployment.version} → ${deployment.environment} has no strategy run to steer: ${why}.`;
  }

  /** Runs `work` as the Slack user if their role allows `required`; refusals and domain errors become a reply. */
  private async asUser<R extends Reply>(user: SlackUser, required: Role, what: string, work: (meta: CommandMeta) => Promise<R>): Promise<R | string> {
    const role = await this.registry.slackRole(user.id);
    if (!role || !roleAllows(role, required)) {
      return `You are not allowed to ${what}: ${role ? `your Shiplog role is ${role}, this needs ${required}` : 'your Slack user is not mapped to a Shiplog role'}.`;
    }
    const name = user.username ?? user.name ?? user.id;
    try {
      return await work({ actor: { kind: 'slack', id: `slack:${user.id}`, name }, correlationId: `slack-${user.id}-${Date.now()}` });
    } catch (error) {
      if (error instanceof DomainError) return `Not done: ${error.detail}`;
      throw error;
    }
  }
}
