import { Body, Controller, Delete, Get, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { PolicyService } from '../../../libs/application/environments/policy.service';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { Access } from '../access/access.decorator';
import { definedOnly, IsInstant, nameParam, toInstant } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';

export class PolicyCheckQuery {
  @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product!: string;

  @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment!: string;

  @IsOptional() @IsString() @Length(1, 128)
  version?: string;

  @IsOptional() @IsIn(['deploy', 'rollback', 'promotion'], { message: 'kind must be one of: deploy, rollback, promotion' })
  kind?: 'deploy' | 'rollback' | 'promotion';

  @IsOptional() @IsInstant()
  scheduled_at?: string;
}

export class LockDto {
  @IsString() @Length(1, 1000)
  reason!: string;

  /** Default: until unlocked. */
  @IsOptional() @IsInstant()
  until?: string;
}

@ApiTags('Policies')
@Controller()
export class PoliciesController {
  constructor(
    private readonly policies: PolicyService,
    private readonly settings: EnvironmentSettingsService,
  ) {}

  @Get('api/v1/policies/check')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiOperation({ summary: 'Would this deployment be allowed now, and if not, why and until when?', description: 'For CI gates: `shiplog check` exits non-zero when blocked.' })
  async check(@Query() query: PolicyCheckQuery) {
    const scheduledAt = toInstant(query.scheduled_at);
    const decision = await this.policies.evaluate(
      definedOnly({ product: query.product, environment: query.environment, version: query.version, kind: query.kind ?? 'deploy', scheduledAt }) as Parameters<PolicyService['evaluate']>[0],
    );
    const { policies } = await this.settings.settings(query.environment);
    return { allowed: !decision.blocked, mode: policies.mode, approvals_required: decision.approvalsRequired, violations: decision.violations };
  }

  @Post('api/v1/environments/:name/lock')
  @Access('operator', { environment: 'params.name' })
  @ApiOperation({ summary: 'Lock an environment: deployments are refused (423) until it is unlocked or the lock expires' })
  async lock(@Param('name') name: string, @Body() body: LockDto, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request);
    const settings = await this.settings.lock(nameParam('name', name), { by: meta.actor.name, reason: body.reason, until: toInstant(body.until) ?? null }, meta);
    return { name, lock: settings.lock };
  }

  @Delete('api/v1/environments/:name/lock')
  @Access('operator', { environment: 'params.name' })
  @ApiOperation({ summary: 'Unlock an environment' })
  async unlock(@Param('name') name: string, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request);
    await this.settings.unlock(nameParam('name', name), meta.actor.name, meta);
    return { name, lock: null };
  }
}
