import { Inject, Injectable, Logger, Module, type BeforeApplicationShutdown, type OnApplicationBootstrap } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type Database from 'better-sqlite3';
import { join } from 'node:path';
import { EvaluateAutoRollbackHandler } from '../../../libs/application/deployments/auto-rollback.handler';
import { executorReactor, reportOutcome } from '../../../libs/application/deployments/executor.reactor';
import { LaneWriter } from '../../../libs/application/deployments/lane-writer';
import { autoRollbackSaga, promotionSaga, schedulingSaga, timerActionsSaga } from '../../../libs/application/deployments/sagas';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { VariablesService } from '../../../libs/application/environments/variables.service';
import { ReactorRunner } from '../../../libs/application/reactors/reactor';
import { LeaderElection, type LeaderElectionOptions, type LeaderStatus } from '../../../libs/application/reactors/leader-election';
import type { LeaseFence, LeaseStore } from '../../../libs/event-store/lease.port';
import { SecretBox } from '../../../libs/application/secrets/secret-box';
import { CLOCK, IDS } from '../../../libs/application/shared/tokens';
import { WebhooksService } from '../../../libs/application/webhooks/webhooks.service';
import { TimerService } from '../../../libs/application/timers/timer.service';
import { ReleasesService, releaseSaga } from '../../../libs/application/releases/releases.service';
import { ReleasesModule } from '../releases/releases.module';
import { StrategiesModule } from '../strategies/strategies.module';
import { GitOpsModule } from '../gitops/gitops.module';
import { GitOpsWatcher } from '../../../libs/application/gitops/gitops.watcher';
import { StrategyService } from '../../../libs/application/strategies/strategy.service';
import { StrategySaga } from '../../../libs/application/strategies/strategy.saga';
import { executorHooks, strategyProbe } from '../../../libs/application/strategies/executor-hooks';
import { HealthMonitor } from '../../../libs/application/environments/health-monitor';
import { CatalogQueries } from '../../../libs/read-models/catalog/catalog.queries';
import type { Clock, IdGenerator } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { CommandRunner } from '../../../libs/executors/command-runner';
import { DeploymentLogs } from '../../../libs/executors/deployment-logs';
import { openOperationsDb } from '../../../libs/executors/operations-db';
import { DeliveryWorker } from '../../../libs/notifications/webhooks/delivery-worker';
import { Outbox } from '../../../libs/notifications/webhooks/outbox';
import { notifierReactor } from '../../../libs/notifications/slack/notifier.reactor';
import { SlackMessages } from '../../../libs/notifications/slack/slack-messages';
import { PreferencesService } from '../../../libs/application/notifications/preferences.service';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { ShiplogMetrics } from '../metrics/metrics';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { EnvironmentsModule } from '../environments/environments.module';
import { IngestionModule } from '../ingestion.module';
import { PoliciesModule } from '../policies/policies.module';
import { LogsController } from './logs.controller';
import { WebhooksController } from './webhooks.controller';
import { SlackController } from '../slack/slack.controller';
import { SlackGateway } from '../slack/slack.gateway';

export const OPERATIONS_DB = Symbol('OperationsDb');

const logger = new Logger('Reactors');
const log = (message: string) => logger.warn(message);

const isLeaseStore = (store: EventStore): store is EventStore & LeaseStore => 'acquireLease' in store && 'releaseLease' in store;

/** Which replica runs the reactors (the one holding the `reactors` lease in the event store); /health shows it. */
@Injectable()
export class ReactorsElection {
  private election: LeaderElection | null = null;

  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  bind(store: EventStore, hooks: Pick<LeaderElectionOptions, 'onElected' | 'onDemoted'>): void {
    if (!isLeaseStore(store)) throw new Error('The event store adapter has no leases: reactors cannot elect an active replica');
    this.election = new LeaderElection(store, { lease: 'reactors', holder: this.config.instanceId, ttlMs: this.config.leaseTtlMs, clock: this.clock, log: (message) => logger.log(message), ...hooks });
  }

  start(): Promise<void> {
    return this.election?.start() ?? Promise.resolve();
  }

  stop(): Promise<void> {
    return this.election?.stop() ?? Promise.resolve();
  }

  status(): LeaderStatus {
    return this.election?.status() ?? { role: 'standby', holder: this.config.instanceId, term: null, expiresAt: null };
  }
}

/** Starts sagas, executors, timers and deliveries after the app is up; stops them before the stores close. */
@Injectable()
class ReactorsLifecycle implements OnApplicationBootstrap, BeforeApplicationShutdown {
  constructor(
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
    private readonly reactors: ReactorRunner,
    private readonly timers: TimerService,
    private readonly deliveries: DeliveryWorker,
    private readonly runner: CommandRunner,
    private readonly outbox: Outbox,
    private readonly slackMessages: SlackMessages,
    private readonly commands: CommandBus,
    @Inject(OPERATIONS_DB) private readonly operations: Database.Database,
    private readonly metrics: ShiplogMetrics,
    @Inject(PROJECTION_CONTROL) private readonly projections: ProjectionControl,
    private readonly health: HealthMonitor,
    @Inject(EVENT_STORE) store: EventStore,
    private readonly election: ReactorsElection,
    private readonly strategies: StrategySaga,
    private readonly gitops: GitOpsWatcher,
  ) {
    election.bind(store, { onElected: (fence) => this.becomeActive(fence), onDemoted: () => this.standBy() });
  }

  async onApplicationBootstrap(): Promise<void> {
    this.metrics.gauge('shiplog_projection_lag', 'Events a projection has yet to apply', 'projection', async () =>
      (await this.projections.status()).map((s) => ({ name: s.name, value: s.lag })),
    );
    this.metrics.gauge('shiplog_reactor_backlog', 'Events a reactor has yet to handle', 'reactor', async () =>
      this.config.reactorsEnabled && this.election.status().role === 'leader' ? (await this.reactors.status()).map((s) => ({ name: s.name, value: s.backlog })) : [],
    );
    if (!this.config.reactorsEnabled) {
      logger.warn('SHIPLOG_REACTORS=off: no executors, sagas, timers or webhook deliveries run.');
      return;
    }
    // This replica's own command processes died with its previous run, whatever its role now.
    await this.failLostExecutions();
    await this.election.start();
  }

  /** The single-instance work: only the replica holding the reactors lease runs it. */
  private async becomeActive(fence: LeaseFence): Promise<void> {
    await this.timers.start();
    this.deliveries.start();
    await this.strategies.start();
    this.reactors.start(fence);
    this.health.start();
    this.gitops.start();
  }

  private async standBy(): Promise<void> {
    this.gitops.stop();
    this.health.stop();
    await this.reactors.stop();
    this.strategies.stop();
    this.timers.stop();
    await this.deliveries.stop();
  }

  /** Command processes a previous server process started are gone: their deployments failed. */
  private async failLostExecutions(): Promise<void> {
    for (const lost of this.runner.lost()) {
      const deployment = { id: lost.deployment_id, product: lost.product, environment: lost.environment, version: lost.version, isRollback: false };
      await reportOutcome(this.commands)({ deployment }, { status: 'failed', error: 'interrupted: the server stopped while the command ran' }).catch((error: unknown) =>
        log(`could not record the lost execution of ${lost.deployment_id}: ${error instanceof Error ? error.message : String(error)}`),
      );
      this.runner.markLost(lost.deployment_id);
    }
  }

  async beforeApplicationShutdown(): Promise<void> {
    await this.election.stop();
    await this.runner.stopAll();
    this.outbox.close();
    this.slackMessages.close();
    this.operations.close();
  }
}

@Module({
  imports: [IngestionModule, EnvironmentsModule, PoliciesModule, ReleasesModule, StrategiesModule, GitOpsModule],
  controllers: [LogsController, WebhooksController, SlackController],
  providers: [
    EvaluateAutoRollbackHandler,
    { provide: OPERATIONS_DB, useFactory: (config: ServerConfig) => openOperationsDb(join(config.dataDir, 'operations.db')), inject: [SERVER_CONFIG] },
    { provide: Outbox, useFactory: (config: ServerConfig) => new Outbox(join(config.dataDir, 'outbox.db')), inject: [SERVER_CONFIG] },
    { provide: DeploymentLogs, useFactory: (db: Database.Database) => new DeploymentLogs(db), inject: [OPERATIONS_DB] },
    {
      provide: CommandRunner,
      useFactory: (db: Database.Database, logs: DeploymentLogs, commands: CommandBus, clock: Clock, config: ServerConfig) =>
        new CommandRunner(db, logs, reportOutcome(commands), clock, { cwd: config.executorCwd, graceMs: config.cancelGraceMs }),
      inject: [OPERATIONS_DB, DeploymentLogs, CommandBus, CLOCK, SERVER_CONFIG],
    },
    {
      provide: DeliveryWorker,
      useFactory: (outbox: Outbox, secrets: SecretBox, clock: Clock, config: ServerConfig) =>
        new DeliveryWorker(outbox, secrets, clock, { maxAttempts: config.webhookMaxAttempts, baseDelayMs: config.webhookRetryBaseMs, maxDelayMs: 3_600_000, timeoutMs: 10_000 }, log),
      inject: [Outbox, SecretBox, CLOCK, SERVER_CONFIG],
    },
    { provide: SlackMessages, useFactory: (config: ServerConfig) => new SlackMessages(join(config.dataDir, 'outbox.db')), inject: [SERVER_CONFIG] },
    {
      provide: PreferencesService,
      useFactory: (store: EventStore, clock: Clock, ids: IdGenerator) => new PreferencesService(store, clock, ids),
      inject: [EVENT_STORE, CLOCK, IDS],
    },
    SlackGateway,
    {
      provide: WebhooksService,
      useFactory: (store: EventStore, clock: Clock, ids: IdGenerator, secrets: SecretBox) => new WebhooksService(store, clock, ids, secrets),
      inject: [EVENT_STORE, CLOCK, IDS, SecretBox],
    },
    {
      provide: HealthMonitor,
      useFactory: (settings: EnvironmentSettingsService, catalog: CatalogQueries, clock: Clock) =>
        new HealthMonitor(settings, async () => (await catalog.environments()).map((e) => e.name), clock, log),
      inject: [EnvironmentSettingsService, CatalogQueries, CLOCK],
    },
    { provide: TimerService, useFactory: (store: EventStore, clock: Clock) => new TimerService(store, clock, log), inject: [EVENT_STORE, CLOCK] },
    {
      provide: StrategySaga,
      useFactory: (
        store: EventStore,
        strategies: StrategyService,
        lanes: LaneWriter,
        commands: CommandBus,
        timers: TimerService,
        settings: EnvironmentSettingsService,
        variables: VariablesService,
        runner: CommandRunner,
        outbox: Outbox,
        clock: Clock,
        config: ServerConfig,
      ) =>
        new StrategySaga({
          store,
          strategies,
          lanes,
          report: reportOutcome(commands),
          timers,
          hooks: executorHooks({ settings, variables, runner, outbox, clock, publicUrl: config.publicUrl }),
          probe: strategyProbe(settings),
          log,
        }),
      inject: [EVENT_STORE, StrategyService, LaneWriter, CommandBus, TimerService, EnvironmentSettingsService, VariablesService, CommandRunner, Outbox, CLOCK, SERVER_CONFIG],
    },
    {
      provide: ReactorRunner,
      useFactory: (
        store: EventStore,
        commands: CommandBus,
        lanes: LaneWriter,
        settings: EnvironmentSettingsService,
        variables: VariablesService,
        runner: CommandRunner,
        outbox: Outbox,
        timers: TimerService,
        clock: Clock,
        config: ServerConfig,
        webhooks: WebhooksService,
        slack: SlackGateway,
        messages: SlackMessages,
        preferences: PreferencesService,
        releases: ReleasesService,
        strategies: StrategySaga,
      ) =>
        new ReactorRunner(
          store,
          [
            timers.reactor,
            executorReactor({ commands, lanes, settings, variables, runner, outbox, clock, publicUrl: config.publicUrl, log }),
            schedulingSaga(timers),
            autoRollbackSaga(commands),
            promotionSaga(commands, settings, timers),
            timerActionsSaga(commands, lanes, log),
            releaseSaga({ commands, releases, lanes, timers, clock, log }),
            strategies.reactor,
            webhooks.reactor(outbox),
            ...(slack.client ? [notifierReactor({ client: slack.client, messages, preferences, clock, shiplogUrl: config.publicUrl })] : []),
          ],
          log,
        ),
      inject: [EVENT_STORE, CommandBus, LaneWriter, EnvironmentSettingsService, VariablesService, CommandRunner, Outbox, TimerService, CLOCK, SERVER_CONFIG, WebhooksService, SlackGateway, SlackMessages, PreferencesService, ReleasesService, StrategySaga],
    },
    ReactorsElection,
    ReactorsLifecycle,
  ],
  exports: [ReactorRunner, ReactorsElection, DeploymentLogs, Outbox, SlackGateway],
})
export class ReactorsModule {}
