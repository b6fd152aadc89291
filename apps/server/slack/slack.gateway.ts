import { Inject, Injectable, Logger } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { App, LogLevel, type Receiver, type ReceiverEvent, webApi } from '@slack/bolt';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { LaneActionCommand, PromoteCommand, RollbackCommand, type ControlResult } from '../../../libs/application/deployments/control-plane.handlers';
import type { CommandMeta } from '../../../libs/application/shared/command-meta';
import { roleAllows, type Role } from '../../../libs/domain/access/roles';
import { DomainError } from '../../../libs/domain/shared/domain-error';
import { NAME_PATTERN } from '../../../libs/domain/shared/names';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { StateQueries } from '../../../libs/read-models/state/state.queries';
import { ACTIONS } from '../../../libs/notifications/slack/message-format';
import { SERVER_CONFIG, type ServerConfig } from '../config';

type AckPayload = Record<string, unknown> | string | undefined;

/** Bolt's receiver, fed by Shiplog's own Fastify route: Bolt routes, Shiplog verifies and answers HTTP. */
class ShiplogReceiver implements Receiver {
  app: App | null = null;
  init(app: App): void {
    this.app = app;
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {}
}

const HELP = [
  '`/shiplog status <product> [environment]` — what runs where',
  '`/shiplog rollback <product> <environment> [version]` — roll back (default: the previous successful version)',
  '`/shiplog promote <product> <from> <to>` — promote what completed in <from>',
  '`/shiplog help` — this help',
].join('\n');

/**
 * Slack interactivity: buttons on messages (Rollback, Approve, Reject) and the /shiplog slash command become the
 * same commands as the HTTP API, with the Slack user as actor — if that user is mapped to a role that allows it.
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
      const timer = setTimeout(() => resolve(undefined), 2_500);
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
      const user = body.user as { id: string; username?: string; name?: string };
      const reply = await this.asUser(user, 'operator', 'roll back', async (meta) => {
        const deployment = await this.deployments.get((action as { value: string }).value);
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
        const user = body.user as { id: string; username?: string; name?: string };
        const reply = await this.asUser(user, 'operator', verb, async (meta) => {
          const deployment = await this.deployments.get((action as { value: string }).value);
          if (!deployment) return 'That deployment is unknown to Shiplog.';
          const lane = { product: deployment.product, environment: deployment.environment, deployment_id: deployment.id, approver: meta.actor.id };
          await this.commands.execute(new LaneActionCommand(verb === 'approve' ? { type: 'ApproveDeployment', data: lane } : { type: 'RejectDeployment', data: lane }, meta));
          return `${verb === 'approve' ? 'Approved' : 'Rejected'} ${deployment.product} ${deployment.version} → ${deployment.environment}.`;
        });
        await client.chat.postEphemeral({ channel, user: user.id, text: reply });
      });
    }

    app.command('/shiplog', async ({ command, ack }) => {
      const text = await this.slashCommand(command.text ?? '', { id: command.user_id, name: command.user_name });
      await ack({ response_type: 'ephemeral', text });
    });
  }

  private async slashCommand(text: string, user: { id: string; name?: string }): Promise<string> {
    const [verb, ...args] = text.trim().split(/\s+/).filter(Boolean);
    const names = (count: number) => args.length >= count && args.slice(0, count).every((a) => NAME_PATTERN.test(a));
    switch (verb) {
      case 'status': {
        if (!names(1)) return `Usage: /shiplog status <product> [environment]\n${HELP}`;
        return this.asUser(user, 'viewer', 'see status', async () => {
          const matrix = await this.state.matrix({ product: args[0]!, ...(args[1] ? { environment: args[1] } : {}) });
          const cells = matrix.rows[0]?.environments ?? {};
          const lines = matrix.environments.map((env) => {
            const cell = cells[env];
            return cell ? `• *${env}*: ${cell.current_version ?? '—'} (${cell.status}${cell.latest_version !== cell.current_version ? `, latest ${cell.latest_version}` : ''})` : `• *${env}*: —`;
          });
          return lines.length ? `*${args[0]}*\n${lines.join('\n')}` : `Nothing is known about ${args[0]}.`;
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
      case 'help':
      case undefined:
        return HELP;
      default:
        return `Unknown command "${verb}".\n${HELP}`;
    }
  }

  /** Runs `work` as the Slack user if their role allows `required`; refusals and domain errors become a reply. */
  private async asUser(user: { id: string; username?: string; name?: string }, required: Role, what: string, work: (meta: CommandMeta) => Promise<string>): Promise<string> {
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
