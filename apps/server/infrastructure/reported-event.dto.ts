import { ApiPropertyOptional } from '@nestjs/swagger';
import { IsObject, IsOptional, IsString, Length, MaxLength } from 'class-validator';
import { IsInstant, MaxJsonBytes } from './dto-helpers';

export const MAX_EXTRA_METADATA_BYTES = 64 * 1024;

/** The CI facts and delivery fields that deployment and build events share (seed 001). */
export abstract class ReportedEventDto {
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

  @ApiPropertyOptional({ description: 'Any JSON object up to 64 KiB; `error` is shown as the failure detail.', example: { error: 'Lambda timeout after 30s' } })
  @IsOptional()
  @IsObject()
  @MaxJsonBytes(MAX_EXTRA_METADATA_BYTES)
  extra_metadata?: Record<string, unknown>;

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
