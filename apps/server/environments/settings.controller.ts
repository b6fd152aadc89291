import { Body, Controller, Get, Param, Patch, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsBoolean, IsIn, IsInt, IsObject, IsOptional, IsString, IsUrl, Length, Matches, Max, MaxLength, Min, ValidateIf, ValidateNested } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { EnvironmentSettingsService, type SettingsChanges } from '../../../libs/application/environments/environment-settings.service';
import type { EnvironmentSettings } from '../../../libs/domain/environments/settings';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { Access } from '../access/access.decorator';
import { IsInstant, nameParam, toInstant } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';
import { MASK } from './variables.controller';

export class ExecutorDto {
  @IsIn(['external', 'command'], { message: 'executor.type must be one of: external, command' })
  type!: 'external' | 'command';

  /** external: where Shiplog POSTs the signed `deployment.requested` webhook. */
  @ValidateIf((o: ExecutorDto) => o.type === 'external' && o.webhook_url !== undefined)
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'webhook_url must be an http(s) URL' })
  webhook_url?: string;

  /** external: HMAC-SHA256 key for the Shiplog-Signature header (stored encrypted). */
  @ValidateIf((o: ExecutorDto) => o.type === 'external' && o.webhook_secret !== undefined)
  @IsString() @Length(16, 256)
  webhook_secret?: string;

  /** command: argv, e.g. ["./deploy.sh", "--fast"]; never run through a shell. */
  @ValidateIf((o: ExecutorDto) => o.type === 'command')
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(64) @IsString({ each: true }) @MaxLength(4096, { each: true })
  command?: string[];

  @ValidateIf((o: ExecutorDto) => o.type === 'command')
  @IsInt() @Min(1) @Max(86_400)
  timeout_seconds?: number;
}

export class FreezeDto {
  @IsInstant() start!: string;
  @IsInstant() end!: string;
  @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class WeeklyFreezeDto {
  /** e.g. `fri 16:00-mon 08:00` */
  @IsString() @Length(1, 64) window!: string;
  /** IANA zone, e.g. Europe/Paris */
  @IsString() @Length(1, 64) time_zone!: string;
  @IsOptional() @IsString() @Length(1, 500) reason?: string;
}

export class MaintenanceWindowDto {
  /** e.g. `22:00-23:00` */
  @IsString() @Length(1, 32) window!: string;
  @IsString() @Length(1, 64) time_zone!: string;
}

export class PoliciesDto {
  @IsIn(['enforced', 'report_only'], { message: 'mode must be one of: enforced, report_only' })
  mode!: 'enforced' | 'report_only';

  @IsArray() @ArrayMaxSize(100) @ValidateNested({ each: true }) @Type(() => FreezeDto)
  freezes!: FreezeDto[];

  @IsArray() @ArrayMaxSize(20) @ValidateNested({ each: true }) @Type(() => WeeklyFreezeDto)
  weekly_freezes!: WeeklyFreezeDto[];

  @IsOptional() @ValidateNested() @Type(() => MaintenanceWindowDto)
  maintenance_window!: MaintenanceWindowDto | null;

  @IsBoolean()
  require_upstream!: boolean;
}

export class HealthCheckDto {
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'health_check.url must be an http(s) URL' })
  url!: string;

  @IsOptional() @IsInt() @Min(1) @Max(3_600)
  interval_seconds?: number;

  @IsOptional() @IsInt() @Min(50) @Max(60_000)
  timeout_ms?: number;

  @IsOptional() @IsInt() @Min(100) @Max(599)
  expect_status?: number;

  @IsOptional() @IsInt() @Min(1) @Max(3_600)
  verify_window_seconds?: number;
}

export class EnvironmentSettingsDto {
  @IsOptional() @ValidateNested() @Type(() => ExecutorDto)
  executor?: ExecutorDto;

  @IsOptional() @IsBoolean()
  auto_rollback?: boolean;

  @IsOptional() @IsInt() @Min(0) @Max(10)
  approval_required?: number;

  @IsOptional() @Matches(NAME_PATTERN, { message: `promotes_to ${NAME_RULE}` })
  promotes_to?: string | null;

  @IsOptional() @IsBoolean()
  auto_promote?: boolean;

  @IsOptional() @IsInt() @Min(0) @Max(604_800)
  soak_seconds?: number;

  @IsOptional() @IsBoolean()
  production?: boolean;

  /** What runs it, e.g. kubernetes (seed 002). */
  @IsOptional() @IsString() @Length(1, 64)
  type?: string;

  @IsOptional() @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url?: string;

  @IsOptional() @IsIn(['healthy', 'degraded', 'down', 'unknown'], { message: 'status must be one of: healthy, degraded, down, unknown' })
  status?: 'healthy' | 'degraded' | 'down' | 'unknown';

  /** JSON Schema every new configuration version must satisfy. */
  @IsOptional() @IsObject()
  config_schema?: Record<string, unknown>;

  /** Polled every interval_seconds; the Verify step after a deployment Shiplog runs. */
  @IsOptional() @ValidateNested() @Type(() => HealthCheckDto)
  health_check?: HealthCheckDto;

  /** Replaces the whole policy set (send every field). */
  @IsOptional() @ValidateNested() @Type(() => PoliciesDto)
  policies?: PoliciesDto;
}

/** Settings as anyone may read them: a webhook secret shows only that it is set. */
const shown = (settings: EnvironmentSettings) => ({
  ...settings,
  executor: settings.executor.type === 'external' && settings.executor.webhook_secret ? { ...settings.executor, webhook_secret: MASK } : settings.executor,
});

const changesOf = (dto: EnvironmentSettingsDto): SettingsChanges => {
  const { executor, policies, health_check, ...rest } = dto;
  const changes = {
    ...(Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined)) as SettingsChanges),
    ...(policies
      ? {
          policies: {
            mode: policies.mode,
            freezes: policies.freezes.map((f) => ({ start: toInstant(f.start)!, end: toInstant(f.end)!, ...(f.reason ? { reason: f.reason } : {}) })),
            weekly_freezes: policies.weekly_freezes.map((f) => ({ window: f.window, time_zone: f.time_zone, ...(f.reason ? { reason: f.reason } : {}) })),
            maintenance_window: policies.maintenance_window ? { window: policies.maintenance_window.window, time_zone: policies.maintenance_window.time_zone } : null,
            require_upstream: policies.require_upstream,
          },
        }
      : {}),
    ...(health_check
      ? {
          health_check: {
            url: health_check.url,
            interval_seconds: health_check.interval_seconds ?? 30,
            timeout_ms: health_check.timeout_ms ?? 2_000,
            expect_status: health_check.expect_status ?? 200,
            verify_window_seconds: health_check.verify_window_seconds ?? 60,
          },
        }
      : {}),
  };
  if (!executor) return changes;
  return {
    ...changes,
    executor:
      executor.type === 'command'
        ? { type: 'command', command: executor.command!, timeout_seconds: executor.timeout_seconds! }
        : { type: 'external', ...(executor.webhook_url ? { webhook_url: executor.webhook_url } : {}), ...(executor.webhook_secret ? { webhook_secret: executor.webhook_secret } : {}) },
  };
};

@ApiTags('Environments')
@Controller('api/v1/environments/:name')
export class EnvironmentSettingsController {
  constructor(private readonly settings: EnvironmentSettingsService) {}

  @Get()
  @Access('viewer', { environment: 'params.name' })
  @ApiOperation({ summary: "An environment's settings (executor, auto_rollback, approval_required, promotes_to, auto_promote, soak_seconds, production)" })
  async get(@Param('name') name: string) {
    return { name: nameParam('name', name), settings: shown(await this.settings.settings(name)) };
  }

  @Patch()
  @Access('admin', { environment: 'params.name' })
  @ApiOperation({ summary: 'Change settings; only the given keys change. Unknown keys or wrong types: 400.' })
  async update(@Param('name') name: string, @Body() body: EnvironmentSettingsDto, @Req() request: FastifyRequest) {
    const updated = await this.settings.update(nameParam('name', name), changesOf(body), commandMetaOf(request));
    return { name, settings: shown(updated) };
  }
}
