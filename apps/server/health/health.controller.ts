import { Controller, Get, Inject, Res, ServiceUnavailableException } from '@nestjs/common';
import { HealthCheckService, HealthIndicatorService, type HealthCheckResult } from '@nestjs/terminus';
import type { FastifyReply } from 'fastify';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { ReactorRunner } from '../../../libs/application/reactors/reactor';
import { ReactorsElection } from '../reactors/reactors.module';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { Access } from '../access/access.decorator';

/** Open without a token: it reports positions and lag, never business data. */
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly indicators: HealthIndicatorService,
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_CONTROL) private readonly projections: ProjectionControl,
    private readonly reactors: ReactorRunner,
    private readonly election: ReactorsElection,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  @Get()
  @Access('public')
  async check(@Res({ passthrough: true }) reply: FastifyReply): Promise<HealthCheckResult> {
    try {
      return await this.health.check([() => this.eventStore(), () => this.readModels(), () => this.reactorsStatus(), () => this.indicators.check('slack').up({ slack: this.config.slack ? 'enabled' : 'disabled' })]);
    } catch (error) {
      if (!(error instanceof ServiceUnavailableException)) throw error;
      void reply.status(503);
      return error.getResponse() as HealthCheckResult;
    }
  }

  private async eventStore() {
    const indicator = this.indicators.check('event_store');
    try {
      return indicator.up({ adapter: this.config.eventStoreUrl ? 'eventstoredb' : 'sqlite', read_models: this.config.mongoUrl ? 'mongodb' : 'sqlite', head_position: await this.store.headPosition() });
    } catch (error) {
      return indicator.down({ message: error instanceof Error ? error.message : String(error) });
    }
  }

  /** Sagas, executors and deliveries: backlog (events not yet handled), refused commands, last error. */
  private async reactorsStatus() {
    const indicator = this.indicators.check('reactors');
    if (!this.config.reactorsEnabled) return indicator.up({ enabled: false });
    const election = this.election.status();
    // A standby replica runs no reactors: it is healthy, and says which role it has.
    if (election.role === 'standby') return indicator.up({ election });
    const statuses = await this.reactors.status();
    const reactors = Object.fromEntries(statuses.map(({ name, ...status }) => [name, status]));
    return statuses.some((s) => s.error !== null) ? indicator.down({ election, reactors }) : indicator.up({ election, reactors });
  }

  /** Up while every projection runs; a failing one is reported with its error and lag. */
  private async readModels() {
    const indicator = this.indicators.check('projections');
    const statuses = await this.projections.status();
    const projections = Object.fromEntries(statuses.map(({ name, ...status }) => [name, status]));
    return statuses.some((s) => s.error !== null) ? indicator.down({ projections }) : indicator.up({ projections });
  }
}
