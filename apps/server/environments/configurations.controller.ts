import { Body, Controller, Get, Param, ParseIntPipe, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsObject, IsOptional, Matches, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { stringify } from 'yaml';
import { ConfigurationsService } from '../../../libs/application/environments/configurations.service';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { Access } from '../access/access.decorator';
import { nameParam } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';

export class ConfigurationDto {
  @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment!: string;

  @IsObject()
  config!: Record<string, unknown>;
}

export class DiffQuery {
  @Type(() => Number) @IsInt() @Min(1)
  from!: number;

  @Type(() => Number) @IsInt() @Min(1)
  to!: number;
}

export class ExportQuery {
  @IsOptional() @IsIn(['yaml', 'json'], { message: 'format must be one of: yaml, json' })
  format?: 'yaml' | 'json';
}

@ApiTags('Environments')
@Controller('api/v1/configurations')
export class ConfigurationsController {
  constructor(private readonly configurations: ConfigurationsService) {}

  @Put()
  @Access('admin', { environment: 'body.environment' })
  @ApiOperation({ summary: 'Record a new immutable configuration version', description: '201 with the new version; 200 when equal to the latest. Checked against the environment’s config_schema, all errors at once.' })
  async put(@Body() body: ConfigurationDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { version, created } = await this.configurations.version(body.environment, body.config, commandMetaOf(request));
    void reply.status(created ? 201 : 200);
    return { ...version, created };
  }

  @Get(':env/versions')
  @Access('viewer', { environment: 'params.env' })
  async versions(@Param('env') env: string) {
    return { items: await this.configurations.versions(nameParam('env', env)) };
  }

  @Get(':env/versions/:n')
  @Access('viewer', { environment: 'params.env' })
  version(@Param('env') env: string, @Param('n', ParseIntPipe) n: number) {
    return this.configurations.get(nameParam('env', env), n);
  }

  @Get(':env/diff')
  @Access('viewer', { environment: 'params.env' })
  @ApiOperation({ summary: 'What changed between two versions, by JSON path' })
  async diff(@Param('env') env: string, @Query() query: DiffQuery) {
    return { environment: env, from: query.from, to: query.to, changes: await this.configurations.diff(nameParam('env', env), query.from, query.to) };
  }

  @Post(':env/versions/:n/restore')
  @Access('admin', { environment: 'params.env' })
  @ApiOperation({ summary: 'Restore: a new version equal to version n' })
  async restore(@Param('env') env: string, @Param('n', ParseIntPipe) n: number, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const { version, created } = await this.configurations.restore(nameParam('env', env), n, commandMetaOf(request));
    void reply.status(created ? 201 : 200);
    return { ...version, created };
  }

  @Get(':env/versions/:n/export')
  @Access('viewer', { environment: 'params.env' })
  @ApiOperation({ summary: 'A version as YAML (default) or JSON' })
  async export(@Param('env') env: string, @Param('n', ParseIntPipe) n: number, @Query() query: ExportQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    const { config } = await this.configurations.get(nameParam('env', env), n);
    if (query.format === 'json') return config;
    void reply.header('content-type', 'application/yaml; charset=utf-8').header('content-disposition', `attachment; filename="${env}-v${n}.yaml"`);
    return stringify(config);
  }
}
