import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ReportBuildStatus } from '../../../libs/domain/builds/build.commands';
import { acceptedStatuses, BUILD_STATUS_ALIASES, parseBuildStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { MAX_EXTRA_METADATA_BYTES } from '../deployments/deployment-event.dto';
import { definedOnly, IsInstant, MaxJsonBytes, toInstant } from '../infrastructure/dto-helpers';

/** Versioner's build event (seed 001). */
export class BuildEventDto {
  @ApiProperty({ example: 'my-service', pattern: NAME_PATTERN.source })
  @IsString()
  @Matches(NAME_PATTERN, { message: `product_name ${NAME_RULE}` })
  product_name!: string;

  @ApiProperty({ example: '1.2.3', minLength: 1, maxLength: 128 })
  @IsString()
  @Length(1, 128)
  version!: string;

  @ApiProperty({ example: 'completed', description: 'Any build alias, case-insensitive.', enum: acceptedStatuses(BUILD_STATUS_ALIASES) })
  @IsString()
  @Length(1, 64)
  status!: string;

  @ApiPropertyOptional({ example: 'github-actions' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  built_by?: string;

  @ApiPropertyOptional({ example: 'abc123' })
  @IsOptional()
  @IsString()
  @MaxLength(128)
  scm_sha?: string;

  @ApiPropertyOptional({ example: 'main' })
  @IsOptional()
  @IsString()
  @MaxLength(256)
  scm_branch?: string;

  @ApiPropertyOptional({ example: 'https://github.com/acme/my-service/actions/runs/1' })
  @IsOptional()
  @IsString()
  @MaxLength(2048)
  build_url?: string;

  @ApiPropertyOptional({ example: { error: 'Compilation failed' } })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(MAX_EXTRA_METADATA_BYTES)
  extra_metadata?: Record<string, unknown>;

  @ApiPropertyOptional({ description: 'Client idempotency key (same as the Idempotency-Key header).' })
  @IsOptional()
  @IsString()
  @Length(1, 255)
  event_id?: string;

  @ApiPropertyOptional({ example: '2026-11-23T10:00:00Z' })
  @IsOptional()
  @IsInstant()
  occurred_at?: string;
}

export const toBuildCommand = (dto: BuildEventDto): ReportBuildStatus => ({
  type: 'ReportBuildStatus',
  data: definedOnly<ReportBuildStatus['data']>({
    product: dto.product_name,
    version: dto.version,
    status: parseBuildStatus(dto.status),
    occurred_at: toInstant(dto.occurred_at),
    built_by: dto.built_by,
    scm_sha: dto.scm_sha,
    scm_branch: dto.scm_branch,
    build_url: dto.build_url,
    extra_metadata: dto.extra_metadata,
  }),
});
