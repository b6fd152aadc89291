import { Body, Controller, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, Length, Matches, Max, Min, ValidateNested } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { PolicyService } from '../../../libs/application/environments/policy.service';
import { ReleasesService } from '../../../libs/application/releases/releases.service';
import { PolicyBlocked } from '../../../libs/domain/environments/policies';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { Access } from '../access/access.decorator';
import { IsInstant, toInstant } from '../infrastructure/dto-helpers';
import { commandMetaOf, idempotencyKeyOf } from '../infrastructure/request-meta';
import { ProblemException } from '../problems/problem';

const name = (field: string) => Matches(NAME_PATTERN, { message: `${field} ${NAME_RULE}` });

export class ReleaseApplicationDto {
  @ApiProperty({ example: 'api' }) @IsString() @name('applications[].name')
  name!: string;

  @ApiProperty({ example: '2.4.0' }) @IsString() @Length(1, 128)
  version!: string;
}

export class ReleaseScheduleDto {
  @ApiPropertyOptional({ example: '2026-11-24T22:00:00Z', description: 'Not before this instant (a durable timer starts it).' })
  @IsOptional() @IsInstant()
  start_time?: string;

  @ApiPropertyOptional({ example: 60, description: 'Expected duration in minutes (informational).' })
  @IsOptional() @IsInt() @Min(1) @Max(10_080)
  duration?: number;
}

/** Seed 002 §4. */
export class CreateReleaseDto {
  @ApiProperty({ example: 'Q4 release' }) @IsString() @Length(1, 200)
  name!: string;

  @ApiProperty({ example: 'production' }) @IsString() @name('environment')
  environment!: string;

  @ApiProperty({ type: [ReleaseApplicationDto], description: 'Deployed one after another, in this order.' })
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(50) @ValidateNested({ each: true }) @Type(() => ReleaseApplicationDto)
  applications!: ReleaseApplicationDto[];

  @ApiPropertyOptional({ type: ReleaseScheduleDto })
  @IsOptional() @ValidateNested() @Type(() => ReleaseScheduleDto)
  schedule?: ReleaseScheduleDto;

  @ApiPropertyOptional({ example: 1, description: 'Approvals by people other than the creator before it starts (0 = none).' })
  @IsOptional() @IsInt() @Min(0) @Max(10)
  approval_required?: number;
}

export class CancelReleaseDto {
  @ApiPropertyOptional({ example: 'found a bug in billing' }) @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

export class RejectReleaseDto {
  @ApiPropertyOptional({ example: 'not during the migration' }) @IsOptional() @IsString() @Length(1, 1000)
  comment?: string;
}

export class ListReleasesQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(200)
  limit?: number;

  @IsOptional() @Matches(/^\d+$/, { message: 'cursor must be a next_cursor from a previous page' })
  cursor?: string;
}

/** A release spans several products: tokens scoped to some products or environments are refused. */
const SPANS_PRODUCTS = { scopedTokens: 'refused' } as const;

const releaseIdParam = (id: string): string => {
  if (!/^[0-9a-f-]{36}$/.test(id)) throw new ProblemException('validation-failed', 'release id must be an id Shiplog returned (a UUID).', [{ field: 'id', message: 'not a release id' }]);
  return id;
};

@ApiTags('Releases')
@Controller('api/v1/releases')
export class ReleasesController {
  constructor(
    private readonly releases: ReleasesService,
    private readonly policies: PolicyService,
  ) {}

  /** A scheduled release must start inside the environment's maintenance window (seed 002): refused now, not at its start. */
  private async assertStartInWindow(environment: string, start: string): Promise<void> {
    const decision = await this.policies.evaluate({ product: '*', environment, kind: 'deploy', scheduledAt: start });
    const outside = decision.violations.filter((v) => v.rule === 'maintenance_window');
    if (outside.length && decision.blocked) throw new PolicyBlocked(outside);
  }

  @Post()
  @HttpCode(202)
  @Access('operator', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Create a release (seed 002)', description: 'Its applications are deployed one after another once approved and due; a failure rolls back the ones already deployed.' })
  async create(@Body() body: CreateReleaseDto, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request, idempotencyKeyOf(request, 'releases', undefined));
    const start = toInstant(body.schedule?.start_time);
    if (start) await this.assertStartInWindow(body.environment, start);
    const releaseId = await this.releases.create(
      {
        name: body.name,
        environment: body.environment,
        applications: body.applications.map((a) => ({ product: a.name, version: a.version })),
        approvals_required: body.approval_required ?? 0,
        created_by: meta.actor.id,
        ...(start ? { start_time: start } : {}),
        ...(body.schedule?.duration ? { duration_minutes: body.schedule.duration } : {}),
      },
      meta,
    );
    return this.releases.view(releaseId);
  }

  @Get()
  @Access('viewer', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Releases, newest first' })
  list(@Query() query: ListReleasesQuery) {
    return this.releases.list(query.limit ?? 50, query.cursor === undefined ? null : Number(query.cursor));
  }

  @Get(':id')
  @Access('viewer', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'A release and the progress of each application' })
  get(@Param('id') id: string) {
    return this.releases.view(releaseIdParam(id));
  }

  @Post(':id/approve')
  @Access('operator', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Approve a release (not by its creator)' })
  async approve(@Param('id') id: string, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request);
    await this.releases.execute(releaseIdParam(id), { type: 'ApproveRelease', data: { approver: meta.actor.id } }, meta);
    return this.releases.view(id);
  }

  @Post(':id/reject')
  @Access('operator', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Reject a release awaiting approval (not by its creator); it will not start' })
  async reject(@Param('id') id: string, @Body() body: RejectReleaseDto, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request);
    await this.releases.execute(releaseIdParam(id), { type: 'RejectRelease', data: { approver: meta.actor.id, ...(body.comment ? { comment: body.comment } : {}) } }, meta);
    return this.releases.view(id);
  }

  @Post(':id/cancel')
  @Access('operator', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Cancel a release', description: 'Stops the application being deployed and rolls back the ones already deployed.' })
  async cancel(@Param('id') id: string, @Body() body: CancelReleaseDto, @Req() request: FastifyRequest) {
    const meta = commandMetaOf(request);
    await this.releases.execute(releaseIdParam(id), { type: 'CancelRelease', data: { cancelled_by: meta.actor.id, ...(body.reason ? { reason: body.reason } : {}) } }, meta);
    return this.releases.view(id);
  }
}
