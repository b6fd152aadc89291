import { Body, Controller, Get, HttpCode, Param, Post, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Length, ValidateBy } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { StrategyService, type StrategyView } from '../../../libs/application/strategies/strategy.service';
import type { StrategyCommand } from '../../../libs/domain/strategies/strategy.commands';
import type { DeploymentItem } from '../../../libs/read-models/deployments/deployments.queries';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { specStatusOf, toSpecStatus } from '../../../libs/read-models/deployments/vocabularies';
import type { LaneView } from '../../../libs/read-models/deployments/deployments.projection';
import { Access } from '../access/access.decorator';
import { deploymentInScope } from '../control-plane/deployment-lane';
import { ReadConsistency } from '../infrastructure/consistency';
import { commandMetaOf } from '../infrastructure/request-meta';
import { ProblemException } from '../problems/problem';

export class StrategyActionDto {
  @ApiPropertyOptional({ example: 'error rate up at 30 %' })
  @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

const STEP_RULE = 'a step number (1, 2, …) or "rollback"';

/** An external pipeline's report of a step it ran (or of the traffic rollback). */
export class StepResultDto {
  @ApiProperty({ oneOf: [{ type: 'integer', minimum: 1 }, { type: 'string', enum: ['rollback'] }], example: 2, description: 'SHIPLOG_STEP of the request: the step number, or "rollback".' })
  @ValidateBy({
    name: 'isStep',
    validator: { validate: (value: unknown) => value === 'rollback' || (typeof value === 'number' && Number.isInteger(value) && value >= 1), defaultMessage: () => `step must be ${STEP_RULE}` },
  })
  step!: number | 'rollback';

  @ApiProperty({ example: true, description: 'false: the step failed (the run aborts and traffic rolls back).' })
  @IsBoolean()
  ok!: boolean;

  @ApiPropertyOptional({ example: 'weights set to 30/70' })
  @IsOptional() @IsString() @Length(1, 1000)
  detail?: string;
}

type Operator = 'PauseStrategy' | 'ResumeStrategy' | 'PromoteNow' | 'AbortStrategy';

/** Seed 004 DeploymentResult: how a finished deployment went (`finished: false` while it runs). */
const resultOf = (deployment: DeploymentItem, run: StrategyView | null) => ({
  deployment_id: deployment.id,
  success: deployment.status === 'completed',
  version: deployment.version,
  target: deployment.environment,
  strategy: run?.strategy.name ?? 'direct',
  duration: deployment.duration_seconds,
  errors: [
    ...(run?.abort ? [run.abort.reason] : []),
    ...(deployment.status === 'failed' && !run?.abort ? [typeof deployment.extra_metadata['error'] === 'string' ? deployment.extra_metadata['error'] : 'the deployment failed'] : []),
    ...(deployment.status === 'aborted' && !run?.abort ? [deployment.abort_reason ?? 'aborted'] : []),
  ],
  status: specStatusOf(deployment),
  finished: deployment.finished_at !== null,
});

/** Seed 004 DeploymentStatus of one deployment, with its strategy run: current step, weight, health. */
const statusOf = (deployment: DeploymentItem, lane: LaneView | null, run: StrategyView | null) => ({
  ...toSpecStatus(deployment, lane),
  product: deployment.product,
  status: run?.status === 'rolling_back' ? ('rolling_back' as const) : specStatusOf(deployment),
  health: run?.health.healthy === true ? 'healthy' : run?.health.healthy === false ? 'unhealthy' : 'unknown',
  strategy: run?.strategy.name ?? 'direct',
  strategy_status: run?.status ?? null,
  step: run?.current_step ?? null,
  traffic_percent: run ? run.traffic_percent : deployment.status === 'completed' ? 100 : 0,
  next_step_due_at: run?.next_step_due_at ?? null,
  run,
});

@ApiTags('Strategies')
@Controller('api/v1/deployments/:id')
export class StrategiesController {
  constructor(
    private readonly strategies: StrategyService,
    private readonly deployments: DeploymentQueries,
    private readonly consistency: ReadConsistency,
    private readonly settings: EnvironmentSettingsService,
  ) {}

  @Get('status')
  @Access('viewer', 'resource')
  @ApiOperation({ summary: "A deployment's status (seed 004 DeploymentStatus) with its strategy's current step, traffic weight and health" })
  async status(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const deployment = await this.deployment(id, request, reply);
    return this.statusOf(deployment);
  }

  @Get('result')
  @Access('viewer', 'resource')
  @ApiOperation({ summary: 'How a deployment went (seed 004 DeploymentResult {success, version, target, strategy, duration, errors})' })
  async result(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const deployment = await this.deployment(id, request, reply);
    return resultOf(deployment, await this.strategies.view(id));
  }

  @Post('pause')
  @HttpCode(200)
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Hold a strategy at its current weight (a step in flight still finishes)' })
  pause(@Param('id') id: string, @Body() body: StrategyActionDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.steer('PauseStrategy', id, body, request, reply);
  }

  @Post('resume')
  @HttpCode(200)
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Continue a paused strategy; a step whose wait has passed starts at once' })
  resume(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.steer('ResumeStrategy', id, {}, request, reply);
  }

  @Post('promote-now')
  @HttpCode(200)
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Skip the remaining steps: the new version gets 100 % next' })
  promoteNow(@Param('id') id: string, @Body() body: StrategyActionDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.steer('PromoteNow', id, body, request, reply);
  }

  @Post('abort')
  @HttpCode(200)
  @Access('operator', 'resource')
  @ApiOperation({ summary: 'Stop the strategy and roll traffic back to the stable version; the deployment ends aborted' })
  abort(@Param('id') id: string, @Body() body: StrategyActionDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return this.steer('AbortStrategy', id, body, request, reply);
  }

  @Post('step-results')
  @HttpCode(200)
  @Access('ingest', 'resource')
  @ApiOperation({ summary: "An external pipeline reports a strategy step it ran (its `deployment.step_requested` webhook), or the traffic rollback" })
  async stepResult(@Param('id') id: string, @Body() body: StepResultDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const deployment = await this.deployment(id, request, reply);
    const run = await this.runOf(deployment);
    // A command executor's steps are Shiplog's own processes: only they report them.
    if ((await this.settings.settings(deployment.environment)).executor.type === 'command') {
      throw new ProblemException('strategy-step-mismatch', `Deployment ${id}: ${deployment.environment} runs its steps with a command executor; Shiplog records their results itself`, [
        { field: 'step', message: 'not reported through the API for command executors', accepted: ['an environment with an external executor'] },
      ]);
    }
    const on = { product: deployment.product, environment: deployment.environment, deployment_id: id };
    const detail = body.detail === undefined ? {} : { detail: body.detail };
    if (body.step === 'rollback') {
      if (run.status !== 'rolling_back') throw this.notExpected(id, 'step', 'no traffic rollback is under way', ['rollback only after an abort']);
      // A failed rollback ends nothing: the run stays rolling_back until the pipeline reports one that worked.
      if (body.ok) await this.strategies.execute({ type: 'RecordTrafficRollback', data: { ...on, ...detail } }, commandMetaOf(request));
    } else {
      const expected = run.next.kind === 'run_step' ? run.next.step.index + 1 : null;
      if (body.step !== expected) throw this.notExpected(id, 'step', expected === null ? 'no step is running' : `step ${expected} is running, not ${body.step}`, expected === null ? [] : [String(expected)]);
      await this.strategies.execute({ type: 'RecordStepResult', data: { ...on, step_index: body.step - 1, ok: body.ok, ...detail } }, commandMetaOf(request));
    }
    return this.statusOf(deployment);
  }

  private async steer(type: Operator, id: string, body: StrategyActionDto, request: FastifyRequest, reply: FastifyReply) {
    const deployment = await this.deployment(id, request, reply);
    await this.runOf(deployment);
    const on = { product: deployment.product, environment: deployment.environment, deployment_id: id };
    const command: StrategyCommand = type === 'ResumeStrategy' ? { type, data: on } : { type, data: { ...on, ...(body.reason === undefined ? {} : { reason: body.reason }) } };
    await this.strategies.execute(command, commandMetaOf(request));
    return this.statusOf(deployment);
  }

  private async statusOf(deployment: DeploymentItem) {
    return statusOf(deployment, await this.deployments.lane(deployment.product, deployment.environment), await this.strategies.view(deployment.id));
  }

  private deployment(id: string, request: FastifyRequest, reply: FastifyReply) {
    return deploymentInScope({ deployments: this.deployments, consistency: this.consistency }, id, request, reply);
  }

  private notExpected(id: string, field: string, message: string, accepted: string[]) {
    return new ProblemException('strategy-step-mismatch', `Deployment ${id}: ${message}`, [{ field, message, accepted }]);
  }

  /** The deployment's strategy run; 409 for a deployment that deploys directly or has not been dispatched yet. */
  private async runOf(deployment: DeploymentItem) {
    const { run } = await this.strategies.state(deployment.id);
    if (run) return run;
    const why = deployment.phase === 'dispatched' || deployment.status !== 'pending' ? 'it deploys directly (no config.strategy)' : 'it has not been dispatched yet';
    throw new ProblemException('no-strategy-run', `Deployment ${deployment.id} has no strategy run: ${why}`, [
      { field: 'id', message: why, accepted: ['a deployment requested with config.strategy canary, blue_green or rolling, once dispatched'] },
    ]);
  }
}
