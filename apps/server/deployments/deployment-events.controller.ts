import { Body, Controller, Post, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { LaneCommandEnvelope, type LaneOutcome } from '../../../libs/application/deployments/lane.command-handler';
import { Access } from '../access/access.decorator';
import { ShiplogMetrics } from '../metrics/metrics';
import { commandMetaOf, idempotencyKeyOf } from '../infrastructure/request-meta';
import { DeploymentEventDto, toReportCommand } from './deployment-event.dto';

const service = { product_name: 'my-service', version: '1.2.3', environment_name: 'production' };

/** The Versioner documentation's payloads (seeds 000 and 001). */
const DEPLOYMENT_EXAMPLES = {
  pending: { value: { ...service, status: 'pending' } },
  started: { value: { ...service, status: 'started' } },
  completed: { value: { ...service, status: 'success' } },
  failed: { value: { ...service, status: 'failed', extra_metadata: { error: 'Lambda timeout after 30s' } } },
  aborted: { value: { ...service, status: 'cancelled' } },
  'with metadata': {
    value: {
      ...service,
      status: 'success',
      deployed_by: 'john.doe',
      scm_branch: 'main',
      scm_sha: 'abc123def456',
      build_url: 'https://ci.example.com/builds/123',
      extra_metadata: { deployment_duration_seconds: 120, rollback_version: '1.2.2', deployment_notes: 'Hotfix for authentication bug' },
    },
  },
};

export type DeploymentEventResponse = {
  event_id: string;
  event_type: string;
  deployment_id: string;
  product_name: string;
  version: string;
  environment_name: string;
  status: string;
  occurred_at: string;
  duplicate: boolean;
  late: boolean;
  is_rollback: boolean;
  position: number;
};

const toResponse = ({ event, deploymentId, duplicate, position }: LaneOutcome): DeploymentEventResponse => ({
  event_id: event.id,
  event_type: event.type,
  deployment_id: deploymentId,
  product_name: event.data.product,
  version: event.data.version,
  environment_name: event.data.environment,
  status: event.type === 'deployment.reported_late' ? event.data.status : event.type.slice('deployment.'.length),
  occurred_at: event.occurredAt,
  duplicate,
  late: event.type === 'deployment.reported_late',
  is_rollback: 'is_rollback' in event.data && event.data.is_rollback === true,
  position,
});

@ApiTags('Versioner-compatible ingestion')
@Controller('deployment-events')
export class DeploymentEventsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly metrics: ShiplogMetrics,
  ) {}

  @Post()
  @Access('ingest', { product: 'body.product_name', environment: 'body.environment_name' })
  @ApiOperation({
    summary: 'Report a deployment status',
    description:
      '201 once the event is durable; 200 with `duplicate: true` when it repeats what is recorded; 409 for a different terminal status ' +
      'or another scm_sha for a known version; 422 when an idempotency key is reused for a different body.',
  })
  @ApiHeader({ name: 'Idempotency-Key', required: false, description: 'A retry with the same key returns the original response.' })
  @ApiBody({ type: DeploymentEventDto, examples: DEPLOYMENT_EXAMPLES })
  async report(@Body() body: DeploymentEventDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeploymentEventResponse> {
    const key = idempotencyKeyOf(request, 'deployment-events', body.event_id);
    const outcome = await this.commands.execute(new LaneCommandEnvelope(toReportCommand(body), commandMetaOf(request, key)));
    if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
    void reply.status(outcome.duplicate ? 200 : 201);
    const response = toResponse(outcome);
    this.metrics.ingested.inc({ kind: 'deployment', status: response.status, outcome: outcome.duplicate ? 'duplicate' : 'recorded' });
    return response;
  }
}
