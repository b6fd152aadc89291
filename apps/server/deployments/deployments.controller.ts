import { Controller, Get, NotFoundException, Param, Query, Res } from '@nestjs/common';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { FastifyReply } from 'fastify';
import { parseDeploymentStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import type { DeploymentView } from '../../../libs/read-models/deployments/deployments.projection';
import { DEFAULT_PAGE_SIZE, DeploymentQueries, MAX_PAGE_SIZE, decodeCursor, type Page } from '../../../libs/read-models/deployments/deployments.queries';
import { ProblemException } from '../problems/problem';
import { ReadConsistency } from '../infrastructure/consistency';

export class ListDeploymentsQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;

  /** Any deployment status alias (e.g. `success` finds completed deployments). */
  @IsOptional() @IsString()
  status?: string;

  @IsOptional() @IsString() @Length(1, 128)
  version?: string;

  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(MAX_PAGE_SIZE)
  limit?: number;

  @IsOptional() @IsString()
  cursor?: string;
}

@Controller('deployments')
export class DeploymentsController {
  constructor(
    private readonly queries: DeploymentQueries,
    private readonly consistency: ReadConsistency,
  ) {}

  /** Newest first, `{items, next_cursor}`; pass `next_cursor` back as `cursor` for the next page. */
  @Get()
  async list(@Query() query: ListDeploymentsQuery, @Res({ passthrough: true }) reply: FastifyReply): Promise<Page<DeploymentView>> {
    const after = query.cursor === undefined ? null : decodeCursor(query.cursor);
    if (query.cursor !== undefined && after === null) {
      throw new ProblemException('validation-failed', 'cursor is not one this server issued; pass next_cursor from a previous page.', [
        { field: 'cursor', message: 'invalid cursor' },
      ]);
    }
    await this.markConsistency(reply);
    const filter = {
      ...(query.product === undefined ? {} : { product: query.product }),
      ...(query.environment === undefined ? {} : { environment: query.environment }),
      ...(query.status === undefined ? {} : { status: parseDeploymentStatus(query.status) }),
      ...(query.version === undefined ? {} : { version: query.version }),
    };
    return this.queries.list(filter, query.limit ?? DEFAULT_PAGE_SIZE, after);
  }

  @Get(':id')
  async get(@Param('id') id: string, @Res({ passthrough: true }) reply: FastifyReply): Promise<DeploymentView> {
    await this.markConsistency(reply);
    const deployment = await this.queries.get(id);
    if (!deployment) throw new NotFoundException(`No deployment with id ${id}`);
    return deployment;
  }

  /** A read that could not wait for the projections says so instead of silently serving older data. */
  private async markConsistency(reply: FastifyReply): Promise<void> {
    if (!(await this.consistency.catchUp())) void reply.header('shiplog-consistency', 'stale');
  }
}
