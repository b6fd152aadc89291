import { Controller, Get, HttpCode, Inject, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Readable } from 'node:stream';
import { ArtifactsService } from '../../../libs/application/artifacts/artifacts.service';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { Access } from '../access/access.decorator';
import { assertInScope } from '../access/principal.request';
import { ReadConsistency } from '../infrastructure/consistency';
import { commandMetaOf } from '../infrastructure/request-meta';
import { ProblemException } from '../problems/problem';

export class UploadQuery {
  @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product!: string;

  @IsString() @Length(1, 128)
  version!: string;

  /** File name, e.g. app.tar.gz */
  @Matches(/^[A-Za-z0-9][A-Za-z0-9._-]{0,127}$/, { message: 'name must be a file name: letters, digits, . _ -' })
  name!: string;
}

export class ListArtifactsQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @IsString() @Length(1, 128)
  version?: string;
}

export class CleanupQuery {
  @IsOptional() @IsIn(['true', 'false', '1', '0'], { message: 'dry_run must be true or false' })
  dry_run?: string;
}

@ApiTags('Artifacts')
@Controller('api/v1/artifacts')
export class ArtifactsController {
  constructor(
    private readonly artifacts: ArtifactsService,
    private readonly deployments: DeploymentQueries,
    private readonly consistency: ReadConsistency,
    @Inject('ARTIFACT_MAX_BYTES') private readonly maxBytes: number,
  ) {}

  @Post()
  @Access('ingest', { product: 'query.product' })
  @ApiOperation({ summary: 'Upload an artifact of a product version (streamed, Content-Type: application/octet-stream)', description: 'Content-addressed by SHA-256; over SHIPLOG_ARTIFACT_MAX_BYTES → 413.' })
  async upload(@Query() query: UploadQuery, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const length = Number(request.headers['content-length']);
    if (Number.isFinite(length) && length > this.maxBytes) {
      throw new ProblemException('payload-too-large', `The artifact exceeds the ${this.maxBytes}-byte limit (SHIPLOG_ARTIFACT_MAX_BYTES).`, [{ field: 'body', message: `larger than ${this.maxBytes} bytes` }]);
    }
    const body = request.body as Readable | undefined;
    if (!body || typeof body.pipe !== 'function') {
      throw new ProblemException('unsupported-media-type', 'Send the artifact as the raw request body with Content-Type: application/octet-stream.', [{ field: 'body', message: 'expected application/octet-stream' }]);
    }
    const artifact = await this.artifacts.upload({ product: query.product, version: query.version, name: query.name, contentType: 'application/octet-stream' }, body, commandMetaOf(request));
    void reply.status(201);
    return artifact;
  }

  @Get()
  @Access('viewer', { product: 'query.product' })
  async list(@Query() query: ListArtifactsQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    return { items: await this.artifacts.list(query) };
  }

  @Get(':id')
  @Access('viewer', 'resource')
  async get(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const artifact = await this.artifacts.get(id);
    assertInScope(request, artifact);
    return artifact;
  }

  @Get(':id/download')
  @Access('viewer', 'resource')
  async download(@Param('id') id: string, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const { artifact, content } = await this.artifacts.open(id);
    assertInScope(request, artifact);
    void reply.headers({ 'content-type': artifact.content_type, 'content-length': String(artifact.size), 'content-disposition': `attachment; filename="${artifact.name}"`, etag: `"${artifact.sha256}"` });
    return reply.send(content);
  }

  @Post('cleanup')
  @HttpCode(200)
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Apply retention: keep the newest SHIPLOG_ARTIFACT_KEEP_VERSIONS versions per product and anything deployed', description: '`dry_run=true` lists without deleting.' })
  async cleanup(@Query() query: CleanupQuery, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const deployed = new Set((await this.deployments.lanes()).flatMap((lane) => (lane.current ? [`${lane.product}@${lane.current.version}`] : [])));
    const dryRun = query.dry_run === 'true' || query.dry_run === '1';
    return { dry_run: dryRun, deleted: await this.artifacts.cleanup(deployed, dryRun, commandMetaOf(request)) };
  }
}
