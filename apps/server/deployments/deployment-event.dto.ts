import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ReportDeploymentStatus } from '../../../libs/domain/deployments/lane.commands';
import { acceptedStatuses, DEPLOYMENT_STATUS_ALIASES, parseDeploymentStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { definedOnly, IsInstant, MaxJsonBytes, toInstant } from '../infrastructure/dto-helpers';

export const MAX_EXTRA_METADATA_BYTES = 64 * 1024;

/** Versioner's deployment event (seed 001), plus Shiplog's optional `deployment_id`, `event_id`, `occurred_at`. Shape only. */
export class DeploymentEventDto {
  @ApiProperty({ example: 'my-service', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, { message: `product_name ${NAME_RULE}` })
  product_name!: string;

  @ApiProperty({ example: 'production', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, { message: `environment_name ${NAME_RULE}` })
  environment_name!: string;

  @ApiProperty({ example: '1.2.3', minLength: 1, maxLength: 128 })
  @IsString()
  @Length(1, 128)
  version!: string;

  @ApiProperty({ example: 'started', description: 'Any alias, case-insensitive.', enum: acceptedStatuses(DEPLOYMENT_STATUS_ALIASES) })
  @IsString()
  @Length(1, 64)
  status!: string;

  @ApiPropertyOptional({ example: 'john.doe' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  deployed_by?: string;

  @ApiPropertyOptional({ example: 'abc123def456' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  scm_sha?: string;

  @ApiPropertyOptional({ example: 'main' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  scm_branch?: string;

  @ApiPropertyOptional({ example: 'https://ci.example.com/builds/123' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  build_url?: string;

  @ApiPropertyOptional({
    description: 'Any JSON object up to 64 KiB; `error` is shown as the failure detail.',
    example: { deployment_duration_seconds: 120, rollback_version: '1.2.2', deployment_notes: 'Hotfix for authentication bug' },
  })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(MAX_EXTRA_METADATA_BYTES)
  extra_metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Report about this deployment (an id Shiplog returned) rather than the open deployment of the version.' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  deployment_id?: string;

  @ApiPropertyOptional({ description: 'Client idempotency key (same as the Idempotency-Key header): a retry returns the original response.' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  event_id?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z', description: 'When it happened at the source; defaults to when Shiplog recorded it.' })
  @IsOptional()
  @IsInstant()
  occurred_at?: string;
}

export const toReportCommand = (dto: DeploymentEventDto): ReportDeploymentStatus => ({
  type: 'ReportDeploymentStatus',
  data: definedOnly<ReportDeploymentStatus['data']>({
    product: dto.product_name,
    environment: dto.environment_name,
    version: dto.version,
    status: parseDeploymentStatus(dto.status),
    deployment_id: dto.deployment_id,
    occurred_at: toInstant(dto.occurred_at),
    deployed_by: dto.deployed_by,
    scm_sha: dto.scm_sha,
    scm_branch: dto.scm_branch,
    build_url: dto.build_url,
    extra_metadata: dto.extra_metadata,
  }),
});
