import { Body, Controller, Get, HttpCode, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  LaneActionCommand,
  PromoteCommand,
  RequestDeploymentCommand,
  RollbackCommand,
  type ControlResult,
  type DeployInput,
} from '../../../libs/application/deployments/control-plane.handlers';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { toSpecStatus } from '../../../libs/read-models/deployments/vocabularies';
import { Access } from '../access/access.decorator';
import { principalOf } from '../access/principal.request';
import { ProblemException } from '../problems/problem';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly, nameParam, toInstant } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';
import { ApprovalDto, CancelDto, DeployPrdDto, DeployV1Dto, LaneStatusQuery, PromotionDto, RollbackDeploymentDto, RollbackEnvironmentDto } from './control-plane.dto';
import { deploymentInScope } from './deployment-lane';

/** The answer to a command: the deployment it concerns and where it stands now. */
const accepted = (result: ControlResult) => {
  const types = result.events.map((e) => e.type);
  const status = types.includes('deployment.aborted') ? 'aborted' : 'pending';
  const phase = types.includes('deployment.dispatched')
    ? 'dispatched'
    : types.includes('deployment.approval_requested')
      ? 'awaiting_approval'
      : types.includes('deployment.cancel_requested') && status !== 'aborted'
        ? 'cancel_requested'
        : types.includes('deployment.requested')
          ? 'scheduled'
          : null;
  return { deployment_id: result.deploymentId, status, phase, events: result.events.map((e) => ({ event_id: e.id, type: e.type })), position: result.position };
};

@ApiTags('Control plane')
@Controller()
export class ControlPlaneController {
  constructor(
    private readonly commands: CommandBus,
    private readonly deployments: DeploymentQueries,
    private readonly consistency: ReadConsistency,
  ) {}

  @Post('api/v1/deployments')
  @HttpCode(202)
  @Access('operator', { product: 'body.application', environment: 'body.environment' })
  @ApiOperation({ summary: 'Deploy a version (seed 002)', description: '202 `{deployment_id, status, phase}`: dispatched to the executor, awaiting approval, or scheduled.' })
  deployV1(@Body() body: DeployV1Dto, @Req() request: FastifyRequest) {
    return this.deploy({ product: body.application, environment: body.environment, version: body.version, ...this.options(body) }, request);
  }

  @Post('api/deployments')
  @HttpCode(202)
  @Access('operator', { product: 'body.projectId', environment: 'body.environment' })
  @ApiOperation({ summary: 'Start a deployment (seed 003)' })
  deployPrd(@Body() body: DeployPrdDto, @Req() request: FastifyRequest) {
    return this.deploy({ product: body.projectId, environment: body.environment, version: body.version, ...this.options(body) }, request);
  }

  @Post('api/deployments/:id/cancel')
  @HttpCode(202)
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Cancel an in-flight deployment', description: 'Not yet started: aborted at once. Running: the executor stops it. Finished: 409.' })
  async cancel(@Param('id') id: string, @Body() body: CancelDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const lane = await this.laneOf(id, request, reply);
    return accepted(await this.commands.execute(new LaneActionCommand({ type: 'CancelDeployment', data: definedOnly({ ...lane, deployment_id: id, reason: body.reason }) }, commandMetaOf(request))));
  }

  @Post('api/deployments/:id/rollback')
  @HttpCode(202)
  @Access('operator', 'resource')
  @ApiOperation({ summary: "Roll back this deployment's lane", description: 'Default target: the previous successful version. The lane is pinned afterwards.' })
  async rollbackDeployment(@Param('id') id: string, @Body() body: RollbackDeploymentDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const lane = await this.laneOf(id, request, reply);
    return accepted(await this.commands.execute(new RollbackCommand(definedOnly({ ...lane, version: body.version, reason: body.reason }), commandMetaOf(request))));
  }

  @Post('api/v1/environments/:env/rollback')
  @HttpCode(202)
  @Access('operator', { product: 'body.product', environment: 'params.env' })
  @ApiOperation({ summary: 'Roll back a product in an environment' })
  async rollbackEnvironment(@Param('env') env: string, @Body() body: RollbackEnvironmentDto, @Req() request: FastifyRequest) {
    const input = definedOnly({ product: body.product, environment: nameParam('env', env), version: body.version, reason: body.reason });
    return accepted(await this.commands.execute(new RollbackCommand(input, commandMetaOf(request))));
  }

  @Post('api/v1/promotions')
  @HttpCode(202)
  @Access('operator', { product: 'body.product', environment: 'body.to' })
  @ApiOperation({ summary: 'Promote the version completed in `from` to `to`' })
  async promote(@Body() body: PromotionDto, @Req() request: FastifyRequest) {
    return accepted(await this.commands.execute(new PromoteCommand(definedOnly({ product: body.product, from: body.from, to: body.to, version: body.version, reason: body.reason }), commandMetaOf(request))));
  }

  @Post('api/v1/deployments/:id/approve')
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Approve a deployment request (not your own)' })
  async approve(@Param('id') id: string, @Body() body: ApprovalDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const lane = await this.laneOf(id, request, reply);
    const meta = commandMetaOf(request);
    return accepted(await this.commands.execute(new LaneActionCommand({ type: 'ApproveDeployment', data: definedOnly({ ...lane, deployment_id: id, approver: meta.actor.id, comment: body.comment }) }, meta)));
  }

  @Post('api/v1/deployments/:id/reject')
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Reject a deployment request: one rejection ends it' })
  async reject(@Param('id') id: string, @Body() body: ApprovalDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const lane = await this.laneOf(id, request, reply);
    const meta = commandMetaOf(request);
    return accepted(await this.commands.execute(new LaneActionCommand({ type: 'RejectDeployment', data: definedOnly({ ...lane, deployment_id: id, approver: meta.actor.id, comment: body.comment }) }, meta)));
  }

  @Post('api/v1/lanes/:product/:environment/unpin')
  @Access('operator', { product: 'params.product', environment: 'params.environment' })
  @ApiOperation({ summary: 'Release a lane pinned by a rollback' })
  async unpin(@Param('product') product: string, @Param('environment') environment: string, @Req() request: FastifyRequest) {
    const lane = { product: nameParam('product', product), environment: nameParam('environment', environment) };
    return accepted(await this.commands.execute(new LaneActionCommand({ type: 'UnpinLane', data: lane }, commandMetaOf(request))));
  }

  @Get('api/v1/environments/:env/status')
  @Access('viewer', { product: 'query.product', environment: 'params.env' })
  @ApiTags('Deployment API spec vocabulary')
  @ApiOperation({ summary: "A product's status in an environment (seed 004 DeploymentStatus)" })
  async laneStatus(@Param('env') env: string, @Query() query: LaneStatusQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const lane = await this.deployments.lane(query.product, nameParam('env', env));
    const latest = lane?.latest ? await this.deployments.get(lane.latest.deployment_id) : null;
    if (!lane || !latest) throw new NotFoundException(`No deployment of ${query.product} in ${env}`);
    return { ...toSpecStatus(latest, lane), pinned: lane.pinned };
  }

  private options(body: DeployV1Dto | DeployPrdDto): Omit<DeployInput, 'product' | 'environment' | 'version'> {
    return definedOnly({ reason: body.reason, force: body.force, config: body.config, scheduled_at: toInstant(body.scheduled_at), override_reason: body.override_reason });
  }

  private async deploy(input: DeployInput, request: FastifyRequest) {
    if (input.override_reason !== undefined && principalOf(request).role !== 'admin') {
      throw new ProblemException('forbidden-role', 'Only an admin may override a freeze window.', [{ field: 'override_reason', message: 'admin only', accepted: ['admin'] }]);
    }
    return accepted(await this.commands.execute(new RequestDeploymentCommand(input, commandMetaOf(request))));
  }

  /** The lane of a deployment, after checking the caller's scope covers it. */
  private async laneOf(id: string, request: FastifyRequest, reply: FastifyReply): Promise<{ product: string; environment: string }> {
    const deployment = await deploymentInScope({ deployments: this.deployments, consistency: this.consistency }, id, request, reply);
    return { product: deployment.product, environment: deployment.environment };
  }
}
