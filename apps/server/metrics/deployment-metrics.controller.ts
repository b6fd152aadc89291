import { Controller, Get, Query, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Transform, Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Matches, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { parseFreeze, parseWeekly } from '../../../libs/domain/metrics/what-if';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { CatalogQueries } from '../../../libs/read-models/catalog/catalog.queries';
import { MetricsQueries } from '../../../libs/read-models/metrics/metrics.queries';
import { stageOf } from '../../../libs/read-models/state/environment-order';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly, IsInstant, toInstant } from '../infrastructure/dto-helpers';
import { ProblemException } from '../problems/problem';

export class MetricsQueryDto {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;

  /** Default: 30 days before `to`. */
  @IsOptional() @IsInstant()
  from?: string;

  /** Default: now. */
  @IsOptional() @IsInstant()
  to?: string;

  @IsOptional() @IsIn(['day', 'week', 'month'], { message: 'bucket must be one of: day, week, month' })
  bucket?: 'day' | 'week' | 'month';

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(720)
  failure_window_hours?: number;
}

const asList = ({ value }: { value: unknown }) => (value === undefined ? undefined : Array.isArray(value) ? value : [value]);

export class WhatIfQueryDto extends MetricsQueryDto {
  /** Absolute freeze windows `<start>/<end>` (repeatable). */
  @IsOptional() @Transform(asList) @IsString({ each: true })
  freeze?: string[];

  /** Weekly freeze windows such as `fri 16:00-mon 08:00`, UTC (repeatable). */
  @IsOptional() @Transform(asList) @IsString({ each: true })
  freeze_weekly?: string[];

  @IsOptional() @Type(() => Number) @IsInt() @Min(0) @Max(10)
  approval_required?: number;
}

@ApiTags('Metrics')
@Controller('api/v1/metrics')
export class DeploymentMetricsController {
  constructor(
    private readonly metrics: MetricsQueries,
    private readonly catalog: CatalogQueries,
    private readonly settings: EnvironmentSettingsService,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get('what-if')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiOperation({ summary: 'Replay history under a hypothetical freeze window or approval rule', description: 'Lists the past deployments the rule would have blocked, and the metrics with and without them.' })
  async whatIf(@Query() query: WhatIfQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    const rule = { freezes: (query.freeze ?? []).map(parseFreeze), weekly: (query.freeze_weekly ?? []).map(parseWeekly), approvalRequired: query.approval_required ?? 0 };
    if (!rule.freezes.length && !rule.weekly.length && !rule.approvalRequired) {
      throw new ProblemException('validation-failed', 'Give a rule: freeze, freeze_weekly or approval_required.', [{ field: 'freeze', message: 'no rule given' }]);
    }
    await this.consistency.catchUp(reply);
    return { rule: { freeze: query.freeze ?? [], freeze_weekly: query.freeze_weekly ?? [], approval_required: rule.approvalRequired }, ...(await this.metrics.whatIf(await this.query(query), rule)) };
  }

  @Get('deployments')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiOperation({ summary: 'Deployment metrics and the DORA keys (definitions in the README)' })
  async deployments(@Query() query: MetricsQueryDto, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    return this.metrics.deployments(await this.query(query));
  }

  private async query(query: MetricsQueryDto) {
    const to = toInstant(query.to) ?? new Date().toISOString();
    const from = toInstant(query.from) ?? new Date(Date.parse(to) - 30 * 86_400_000).toISOString();
    if (from >= to) throw new ProblemException('validation-failed', '`from` must be before `to`.', [{ field: 'from', message: 'must be before to' }]);
    return {
      ...definedOnly({ product: query.product, environment: query.environment }),
      from,
      to,
      bucket: query.bucket ?? 'day',
      failureWindowHours: query.failure_window_hours ?? 24,
      productionEnvironments: await this.productionEnvironments(),
    };
  }

  /** Environments marked `production: true`; if none is, those with a production name (prod, production, live…). */
  private async productionEnvironments(): Promise<Set<string>> {
    const names = (await this.catalog.environments()).map((e) => e.name);
    const marked = (await Promise.all(names.map(async (name) => ((await this.settings.settings(name)).production ? name : null)))).filter((n): n is string => n !== null);
    return new Set(marked.length ? marked : names.filter((name) => stageOf(name) === 3));
  }
}
