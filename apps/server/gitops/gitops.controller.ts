import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Allow } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { GitOpsService } from '../../../libs/application/gitops/gitops.service';
import { GITOPS_DEFAULTS } from '../../../libs/domain/gitops/gitops';
import { Access } from '../access/access.decorator';
import { commandMetaOf } from '../infrastructure/request-meta';

/** The fields are checked by the domain's parseSource (one error per bad field, with what it accepts). */
export class AddSourceDto {
  @ApiProperty({ example: 'https://github.com/acme/deployments.git', description: 'file:// or https://' })
  @Allow()
  repo_url!: unknown;

  @ApiPropertyOptional({ example: GITOPS_DEFAULTS.branch })
  @Allow()
  branch?: unknown;

  @ApiPropertyOptional({ example: '/envs', description: 'Directory of the manifests (*.yaml, *.yml) in the repository.' })
  @Allow()
  path?: unknown;

  @ApiPropertyOptional({ example: GITOPS_DEFAULTS.interval_seconds, description: 'Seconds between polls of the branch (1–86400).' })
  @Allow()
  interval?: unknown;

  @ApiPropertyOptional({ example: { environment: 'production', variable: 'GIT_TOKEN', username: 'x-access-token' }, description: 'https only: a secret environment-wide variable holding the token.' })
  @Allow()
  credentials?: unknown;
}

const SPANS_PRODUCTS = { scopedTokens: 'refused' } as const;

@ApiTags('GitOps')
@Controller('api/v1/gitops/sources')
export class GitOpsController {
  constructor(private readonly gitops: GitOpsService) {}

  @Post()
  @HttpCode(201)
  @Access('admin', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Watch a git repository of desired versions (seed 004 GitOpsSynchronizer: repo_url, branch "main", path "/")' })
  add(@Body() body: AddSourceDto, @Req() request: FastifyRequest) {
    return this.gitops.add(body, commandMetaOf(request));
  }

  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'GitOps sources with their last synced commit' })
  async list() {
    return { items: await this.gitops.list() };
  }

  @Get(':id')
  @Access('viewer')
  @ApiOperation({ summary: 'One GitOps source' })
  get(@Param('id') id: string) {
    return this.gitops.view(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('admin', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Stop watching a source (its history stays)' })
  async remove(@Param('id') id: string, @Req() request: FastifyRequest) {
    await this.gitops.remove(id, commandMetaOf(request));
  }

  @Get(':id/diff')
  @Access('viewer')
  @ApiOperation({ summary: 'Seed 004 get_diff(): per product and environment, current vs desired, and what a sync would do (deploy, pinned, in_flight)' })
  diff(@Param('id') id: string) {
    return this.gitops.diff(id);
  }

  @Post(':id/sync')
  @HttpCode(200)
  @Access('operator', 'none', SPANS_PRODUCTS)
  @ApiOperation({ summary: 'Seed 004 sync(): deploy what the branch head declares (through the ordinary deploy policies); pinned lanes are reported as drift' })
  sync(@Param('id') id: string, @Req() request: FastifyRequest) {
    return this.gitops.sync(id, 'manual', commandMetaOf(request));
  }
}
