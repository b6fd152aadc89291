import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ReportBuildStatus } from '../../../libs/domain/builds/build.commands';
import { acceptedStatuses, BUILD_STATUS_ALIASES, parseBuildStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { definedOnly, toInstant } from '../infrastructure/dto-helpers';
import { ReportedEventDto } from '../infrastructure/reported-event.dto';

/** Versioner's build event (seed 001). */
export class BuildEventDto extends ReportedEventDto {
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
