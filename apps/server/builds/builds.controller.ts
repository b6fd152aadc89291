import { Body, Controller, Get, NotFoundException, Param, Post, Query, Req, Res } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { ApiBody, ApiHeader, ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { BuildCommandEnvelope, type BuildOutcome } from '../../../libs/application/builds/build.command-handler';
import { parseBuildStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import type { BuildView } from '../../../libs/read-models/builds/builds.projection';
import { BuildQueries } from '../../../libs/read-models/builds/builds.queries';
import { DEFAULT_PAGE_SIZE, type Page } from '../../../libs/read-models/shared/paging';
import { cursorOf, PageQuery } from '../infrastructure/page-query';
import { Access } from '../access/access.decorator';
import { ShiplogMetrics } from '../metrics/metrics';
import { assertInScope } from '../access/principal.request';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly } from '../infrastructure/dto-helpers';
import { commandMetaOf, idempotencyKeyOf } from '../infrastructure/request-meta';
import { BuildEventDto, toBuildCommand } from './build-event.dto';

export class ListBuildsQuery extends PageQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @IsString() @Length(1, 128)
  version?: string;

  /** Any build status alias. */
  @IsOptional() @IsString()
  status?: string;
}

const build = { product_name: 'my-service', version: '1.2.3' };

/** The Versioner documentation's build payloads (seed 001). */
const BUILD_EXAMPLES = {
  pending: { value: { ...build, status: 'pending', built_by: 'github-actions' } },
  started: { value: { ...build, status: 'started', built_by: 'github-actions' } },
  completed: { value: { ...build, status: 'completed', built_by: 'github-actions', scm_sha: 'abc123', build_url: 'https://github.com/...' } },
  failed: { value: { ...build, status: 'failed', extra_metadata: { error: 'Compilation failed' } } },
  aborted: { value: { ...build, status: 'abort' } },
};

const toResponse = ({ event, buildId, duplicate, position }: BuildOutcome) => ({
  event_id: event.id,
  event_type: event.type,
  build_id: buildId,
  product_name: event.data.product,
  version: event.data.version,
  status: event.type.slice('build.'.length),
  occurred_at: event.occurredAt,
  duplicate,
  position,
});

@ApiTags('Versioner-compatible ingestion')
@Controller()
export class BuildsController {
  constructor(
    private readonly commands: CommandBus,
    private readonly queries: BuildQueries,
    private readonly consistency: ReadConsistency,
    private readonly metrics: ShiplogMetrics,
  ) {}

  @Post('build-events')
  @Access('ingest', { product: 'body.product_name' })
  @ApiOperation({ summary: 'Report a build status', description: '201 once durable; 200 with `duplicate: true` on a repeat; 409 on a conflicting terminal status or scm_sha.' })
  @ApiHeader({ name: 'Idempotency-Key', required: false })
  @ApiBody({ type: BuildEventDto, examples: BUILD_EXAMPLES })
  async report(@Body() body: BuildEventDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const key = idempotencyKeyOf(request, 'build-events', body.event_id);
    const outcome = await this.commands.execute(new BuildCommandEnvelope(toBuildCommand(body), commandMetaOf(request, key)));
    if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
    void reply.status(outcome.duplicate ? 200 : 201);
    const response = toResponse(outcome);
    this.metrics.ingested.inc({ kind: 'build', status: response.status, outcome: outcome.duplicate ? 'duplicate' : 'recorded' });
    return response;
  }

  @Get('builds')
  @Access('viewer', { product: 'query.product' })
  @ApiTags('Builds')
  @ApiOperation({ summary: 'Builds, newest first', description: 'Filters: product, version, status (aliases accepted); cursor paging.' })
  async list(@Query() query: ListBuildsQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<Page<BuildView>> {
    const after = cursorOf(query);
    await this.consistency.catchUp(reply);
    const filter = definedOnly({ product: query.product, version: query.version, status: query.status === undefined ? undefined : parseBuildStatus(query.status) });
    return this.queries.list(filter, query.limit ?? DEFAULT_PAGE_SIZE, after);
  }

  @Get('builds/:id')
  @Access('viewer', 'resource')
  @ApiTags('Builds')
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<BuildView> {
    await this.consistency.catchUp(reply);
    const build = await this.queries.get(id);
    if (!build) throw new NotFoundException(`No build with id ${id}`);
    assertInScope(request, { product: build.product });
    return build;
  }
}
