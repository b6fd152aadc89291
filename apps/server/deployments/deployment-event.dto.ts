import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Length, Matches, MaxLength } from 'class-validator';
import type { ReportDeploymentStatus } from '../../../libs/domain/deployments/lane.commands';
import { acceptedStatuses, DEPLOYMENT_STATUS_ALIASES, parseDeploymentStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { definedOnly, toInstant } from '../infrastructure/dto-helpers';
import { ReportedEventDto } from '../infrastructure/reported-event.dto';

/** Versioner's deployment event (seed 001), plus Shiplog's optional `deployment_id`, `event_id`, `occurred_at`. Shape only. */
export class DeploymentEventDto extends ReportedEventDto {
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

  @ApiPropertyOptional({ description: 'Report about this deployment (an id Shiplog returned) rather than the open deployment of the version.' })
  @IsOptional()
  @IsString()
  @Length(1, 128)
  deployment_id?: string;
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
