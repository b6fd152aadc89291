import { Controller, Get, Inject, Param, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { deploymentTimeline, type TimelineEntry } from '../../../libs/application/deployments/deployment-timeline';
import { parseDeploymentStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { DeploymentQueries, type DeploymentItem } from '../../../libs/read-models/deployments/deployments.queries';
import { toPrdDeployment } from '../../../libs/read-models/deployments/vocabularies';
import { DEFAULT_PAGE_SIZE, type Page } from '../../../libs/read-models/shared/paging';
import { cursorOf, PageQuery } from '../infrastructure/page-query';
import { StateQueries, type StateMatrix } from '../../../libs/read-models/state/state.queries';
import { deploymentInScope } from '../control-plane/deployment-lane';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly, IsInstant, toInstant } from '../infrastructure/dto-helpers';

export class ListDeploymentsQuery extends PageQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;

  /** Any deployment status alias (e.g. `success` finds completed deployments). */
  @IsOptional() @IsString()
  status?: string;

  @IsOptional() @IsString() @Length(1, 128)
  version?: string;

  @IsOptional() @IsString() @Length(1, 256)
  deployed_by?: string;

  @IsOptional() @IsInstant()
  since?: string;

  @IsOptional() @IsInstant()
  until?: string;

  @IsOptional() @IsInstant()
  as_of?: string;
}

export class ProjectDeploymentsQuery extends PageQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;
}

export class StateQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;
}

export class StateAtQuery extends StateQuery {
  /** The instant to show (event time); default now. */
  @IsOptional() @IsInstant()
  at?: string;
}

@ApiTags('Deployments')
@Controller()
export class DeploymentsController {
  constructor(
    private readonly queries: DeploymentQueries,
    private readonly state: StateQueries,
    private readonly consistency: ReadConsistency,
    @Inject(EVENT_STORE) private readonly store: EventStore,
  ) {}

  @Get('deployments')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiOperation({ summary: 'Deployment history, newest first', description: '`{items, next_cursor}`; pass next_cursor back as `cursor`. `status` accepts aliases.' })
  async list(@Query() query: ListDeploymentsQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<Page<DeploymentItem>> {
    const after = cursorOf(query);
    await this.consistency.catchUp(reply);
    const filter = definedOnly({
      product: query.product,
      environment: query.environment,
      status: query.status === undefined ? undefined : parseDeploymentStatus(query.status),
      version: query.version,
      deployed_by: query.deployed_by,
      since: toInstant(query.since),
      until: toInstant(query.until),
      as_of: toInstant(query.as_of),
    });
    return this.queries.list(filter, query.limit ?? DEFAULT_PAGE_SIZE, after);
  }

  @Get('deployments/:id')
  @Access('viewer', 'resource')
  @ApiOperation({ summary: 'One deployment with its build and its event timeline' })
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeploymentItem & { events: TimelineEntry[] }> {
    const deployment = await this.found(id, request, reply);
    return { ...deployment, events: await deploymentTimeline(this.store, deployment.product, deployment.environment, id) };
  }

  @Get('state')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiOperation({ summary: 'Environment × product matrix', description: 'Columns in promotion order; `drift` marks a version that differs from the upstream environment.' })
  async matrix(@Query() query: StateQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<StateMatrix> {
    await this.consistency.catchUp(reply);
    return this.state.matrix(definedOnly({ product: query.product, environment: query.environment }));
  }

  @Get('api/v1/state')
  @Access('viewer', { product: 'query.product', environment: 'query.environment' })
  @ApiTags('Audit')
  @ApiOperation({ summary: 'The environment × product matrix as it was at an instant (time travel)', description: 'Computed from the append-only lane history (event time); without `at`, as of now.' })
  async stateAt(@Query() query: StateAtQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<StateMatrix & { at: string | null }> {
    await this.consistency.catchUp(reply);
    const filter = definedOnly({ product: query.product, environment: query.environment });
    const at = toInstant(query.at);
    return { at: at ?? null, ...(at ? await this.state.matrixAt(at, filter) : await this.state.matrix(filter)) };
  }

  @Get('api/deployments/:id')
  @Access('viewer', 'resource')
  @ApiTags('PRD-018 vocabulary')
  @ApiOperation({ summary: 'A deployment as PRD-018 models it (statuses pending, building, deploying, success, failed, cancelled, rolled_back)' })
  async prdDeployment(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    return toPrdDeployment(await this.found(id, request, reply));
  }

  @Get('api/projects/:id/deployments')
  @Access('viewer', { product: 'params.id', environment: 'query.environment' })
  @ApiTags('PRD-018 vocabulary')
  @ApiOperation({ summary: "A project's (product's) deployments, newest first, in PRD-018 vocabulary" })
  async projectDeployments(@Param('id') product: string, @Query() query: ProjectDeploymentsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const after = cursorOf(query);
    await this.consistency.catchUp(reply);
    const page = await this.queries.list(definedOnly({ product, environment: query.environment }), query.limit ?? DEFAULT_PAGE_SIZE, after);
    return { items: page.items.map(toPrdDeployment), next_cursor: page.next_cursor };
  }

  private found(id: string, request: FastifyRequest, reply: FastifyReply): Promise<DeploymentItem> {
    return deploymentInScope({ deployments: this.queries, consistency: this.consistency }, id, request, reply);
  }
}
