import { Body, Controller, Get, HttpCode, Inject, NotFoundException, Param, Post, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsIn, IsObject, IsOptional, IsString, IsUrl, Length, Matches } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { ConfigurationsService } from '../../../libs/application/environments/configurations.service';
import { EnvironmentSettingsService } from '../../../libs/application/environments/environment-settings.service';
import { diffConfig } from '../../../libs/domain/environments/configurations';
import { evaluatePolicies } from '../../../libs/domain/environments/policies';
import type { Clock } from '../../../libs/domain/shared/time';
import { CLOCK } from '../../../libs/application/shared/tokens';
import type { EnvironmentSettings } from '../../../libs/domain/environments/settings';
import { canonicalEqual } from '../../../libs/domain/shared/canonical';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { CatalogQueries } from '../../../libs/read-models/catalog/catalog.queries';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { VariableQueries } from '../../../libs/read-models/environments/variables.queries';
import { orderEnvironments } from '../../../libs/read-models/state/environment-order';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly, nameParam } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';
import { MASK } from './variables.controller';

/** Seed 002: `{name, type, config}`. */
export class CreateEnvironmentDto {
  @Matches(NAME_PATTERN, { message: `name ${NAME_RULE}` })
  name!: string;

  @IsOptional() @IsString() @Length(1, 64)
  type?: string;

  @IsOptional() @IsObject()
  config?: Record<string, unknown>;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string;

  @IsOptional() @IsBoolean()
  production?: boolean;
}

/** Seed 003: PUT /api/projects/:id/environments/:env. */
export class ProjectEnvironmentDto {
  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string;

  @IsOptional() @IsObject()
  config?: Record<string, unknown>;

  @IsOptional() @IsIn(['healthy', 'degraded', 'down'], { message: 'status must be one of: healthy, degraded, down' })
  status?: 'healthy' | 'degraded' | 'down';
}

export class CompareQuery {
  @Matches(NAME_PATTERN, { message: `a ${NAME_RULE}` }) a!: string;
  @Matches(NAME_PATTERN, { message: `b ${NAME_RULE}` }) b!: string;
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` }) product?: string;
}

const COMPARED: (keyof EnvironmentSettings)[] = ['type', 'url', 'status', 'production', 'promotes_to', 'auto_promote', 'soak_seconds', 'auto_rollback', 'approval_required', 'executor', 'policies'];

@ApiTags('Environments')
@Controller()
export class EnvironmentsController {
  constructor(
    private readonly settings: EnvironmentSettingsService,
    private readonly configurations: ConfigurationsService,
    private readonly catalog: CatalogQueries,
    private readonly variables: VariableQueries,
    private readonly deployments: DeploymentQueries,
    private readonly consistency: ReadConsistency,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}

  @Post('api/v1/environments')
  @HttpCode(202)
  @Access('admin', { environment: 'body.name' })
  @ApiOperation({ summary: 'Create (or update) an environment (seed 002)', description: '`config` becomes its first (next) configuration version.' })
  async create(@Body() body: CreateEnvironmentDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    const meta = commandMetaOf(request);
    // Both answers come from the catalog read model: it waits for what was acknowledged before (read-your-writes).
    await this.consistency.catchUp(reply);
    const existed = (await this.catalog.environments()).some((e) => e.name === body.name);
    await this.settings.update(body.name, definedOnly({ type: body.type, url: body.url, production: body.production }), meta);
    if (body.config) await this.configurations.version(body.name, body.config, meta);
    await this.consistency.catchUp(reply);
    const created = (await this.catalog.environments()).find((e) => e.name === body.name);
    return { environment_id: body.name, status: existed ? 'updated' : 'created', created_at: created?.created_at ?? new Date().toISOString() };
  }

  @Get('api/v1/environments')
  @Access('viewer')
  @ApiOperation({ summary: 'Environments in promotion order, with their settings summary' })
  async list(@Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const environments = await this.catalog.environments();
    const names = orderEnvironments(environments.map((e) => e.name));
    return {
      items: await Promise.all(
        names.map(async (name) => {
          const s = await this.settings.settings(name);
          const versions = await this.configurations.versions(name);
          // A freeze in force now (the board shows it beside the lock): what a deploy would be told.
          const freeze = evaluatePolicies(s, { kind: 'deploy', environment: name, now: this.clock.now() }).violations.find((v) => v.rule === 'freeze');
          return {
            name,
            type: s.type,
            url: s.url,
            status: s.status,
            production: s.production,
            promotes_to: s.promotes_to,
            lock: s.lock,
            freeze: freeze ? { detail: freeze.detail, until: freeze.opens_at } : null,
            config_version: versions.at(-1)?.version ?? null,
            created_at: environments.find((e) => e.name === name)!.created_at,
          };
        }),
      ),
    };
  }

  @Get('api/v1/environments/compare')
  @Access('viewer', { environment: 'query.a' })
  @ApiOperation({ summary: 'Two environments side by side: settings, variables (secrets by fingerprint only), configuration' })
  async compare(@Query() query: CompareQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const [sa, sb] = await Promise.all([this.settings.settings(query.a), this.settings.settings(query.b)]);
    const [va, vb] = await Promise.all([this.variables.list(query.a, query.product), this.variables.list(query.b, query.product)]);
    const key = (v: { product: string | null; name: string }) => `${v.product ?? '*'}/${v.name}`;
    const names = [...new Set([...va, ...vb].map(key))].sort();
    const [ca, cb] = await Promise.all([this.configurations.versions(query.a), this.configurations.versions(query.b)]);
    return {
      a: query.a,
      b: query.b,
      settings: COMPARED.map((k) => ({ key: k, a: sa[k], b: sb[k], same: canonicalEqual(sa[k], sb[k]) })),
      variables: names.map((name) => {
        const [x, y] = [va.find((v) => key(v) === name), vb.find((v) => key(v) === name)];
        const show = (v: typeof x) => (v ? (v.secret ? MASK : v.value) : null);
        const identity = (v: typeof x) => (v ? (v.secret ? `secret:${v.fingerprint}` : `plain:${v.value}`) : null);
        return { name: (x ?? y)!.name, product: (x ?? y)!.product, secret: Boolean(x?.secret || y?.secret), a: show(x), b: show(y), same: identity(x) === identity(y) };
      }),
      config: { a_version: ca.at(-1)?.version ?? null, b_version: cb.at(-1)?.version ?? null, changes: diffConfig(ca.at(-1)?.config ?? {}, cb.at(-1)?.config ?? {}) },
    };
  }

  @Get('api/projects/:id/environments')
  @Access('viewer', { product: 'params.id' })
  @ApiTags('PRD-018 vocabulary')
  async projectEnvironments(@Param('id') product: string, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    const names = orderEnvironments((await this.catalog.environments()).map((e) => e.name));
    return Promise.all(names.map((name) => this.prdEnvironment(nameParam('id', product), name)));
  }

  @Get('api/projects/:id/environments/:env')
  @Access('viewer', { product: 'params.id', environment: 'params.env' })
  @ApiTags('PRD-018 vocabulary')
  async projectEnvironment(@Param('id') product: string, @Param('env') env: string, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    if (!(await this.catalog.environments()).some((e) => e.name === env)) throw new NotFoundException(`No environment ${env}`);
    return this.prdEnvironment(nameParam('id', product), env);
  }

  @Put('api/projects/:id/environments/:env')
  @Access('admin', { product: 'params.id', environment: 'params.env' })
  @ApiTags('PRD-018 vocabulary')
  @ApiOperation({ summary: 'Update an environment (seed 003): url, status, config (a new configuration version)' })
  async updateProjectEnvironment(
    @Param('id') product: string,
    @Param('env') env: string,
    @Body() body: ProjectEnvironmentDto,
    @Req() request: FastifyRequest,
    @Res({ passthrough: true }) reply: FastifyReply,
  ) {
    const meta = commandMetaOf(request);
    await this.settings.update(nameParam('env', env), definedOnly({ url: body.url, status: body.status }), meta);
    if (body.config) await this.configurations.version(env, body.config, meta);
    // The answer holds the lane's current deployment, from a read model.
    await this.consistency.catchUp(reply);
    return this.prdEnvironment(nameParam('id', product), env);
  }

  /** Seed 003's Environment model for one product. */
  private async prdEnvironment(product: string, name: string) {
    const [s, versions, lane, environments] = await Promise.all([this.settings.settings(name), this.configurations.versions(name), this.deployments.lane(product, name), this.catalog.environments()]);
    return {
      id: name,
      projectId: product,
      name,
      url: s.url ?? undefined,
      config: versions.at(-1)?.config ?? {},
      currentDeployment: lane?.current?.deployment_id ?? undefined,
      status: s.status === 'unknown' ? 'healthy' : s.status,
      createdAt: environments.find((e) => e.name === name)?.created_at,
    };
  }
}
