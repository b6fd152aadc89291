import { Body, Controller, Headers, Post, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import type { FastifyReply } from 'fastify';
import { LaneCommandEnvelope, type LaneOutcome } from '../../../libs/application/deployments/lane.command-handler';
import type { Actor } from '../../../libs/event-store/event-store.port';
import { DeploymentEventDto, toReportCommand } from './deployment-event.dto';

/** Until access control lands every request is recorded as anonymous; the actor slot is already in every event. */
const ANONYMOUS: Actor = { kind: 'anonymous', id: 'anonymous', name: 'anonymous' };

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
  position: number;
};

const toResponse = ({ event, deploymentId, duplicate, position }: LaneOutcome): DeploymentEventResponse => ({
  event_id: event.id,
  event_type: event.type,
  deployment_id: deploymentId,
  product_name: event.data.product,
  version: event.data.version,
  environment_name: event.data.environment,
  status: event.type.slice('deployment.'.length),
  occurred_at: event.occurredAt,
  duplicate,
  position,
});

@Controller('deployment-events')
export class DeploymentEventsController {
  constructor(private readonly commands: CommandBus) {}

  /** 201 once the event is durable; 200 with `duplicate: true` when it repeats what is already recorded. */
  @Post()
  async report(
    @Body() body: DeploymentEventDto,
    @Headers('x-correlation-id') correlationId: string | undefined,
    @Res({ passthrough: true }) reply: FastifyReply,
  ): Promise<DeploymentEventResponse> {
    const outcome = await this.commands.execute(
      new LaneCommandEnvelope(toReportCommand(body), { actor: ANONYMOUS, correlationId: correlationId ?? String(reply.request.id) }),
    );
    void reply.status(outcome.duplicate ? 200 : 201);
    return toResponse(outcome);
  }
}
