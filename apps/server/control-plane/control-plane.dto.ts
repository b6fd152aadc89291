import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsBoolean, IsObject, IsOptional, IsString, Length, Matches } from 'class-validator';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { IsInstant } from '../infrastructure/dto-helpers';

const name = (field: string) => Matches(NAME_PATTERN, { message: `${field} ${NAME_RULE}` });

/** What every operator command may say about itself. */
abstract class OperatorRequestDto {
  @ApiPropertyOptional({ example: 'weekly release' })
  @IsOptional() @IsString() @Length(1, 1000)
  reason?: string;
}

abstract class DeployOptionsDto extends OperatorRequestDto {
  @ApiPropertyOptional({ example: { strategy: 'direct', timeout: 600 } })
  @IsOptional() @IsObject()
  config?: Record<string, unknown>;

  @ApiPropertyOptional({ example: '2026-11-24T22:00:00Z', description: 'Start at this instant (a durable timer dispatches it).' })
  @IsOptional() @IsInstant()
  scheduled_at?: string;

  @ApiPropertyOptional({ description: 'Deploy a version with no completed build or earlier deployment (needs a reason).' })
  @IsOptional() @IsBoolean()
  force?: boolean;

  @ApiPropertyOptional({ description: 'Admins only: deploy through a freeze window, saying why (recorded with the request).' })
  @IsOptional() @IsString() @Length(1, 1000)
  override_reason?: string;
}

/** Seed 002: POST /api/v1/deployments. */
export class DeployV1Dto extends DeployOptionsDto {
  @ApiProperty({ example: 'my-service' }) @IsString() @name('application')
  application!: string;

  @ApiProperty({ example: '1.2.3' }) @IsString() @Length(1, 128)
  version!: string;

  @ApiProperty({ example: 'production' }) @IsString() @name('environment')
  environment!: string;
}

/** Seed 003: POST /api/deployments. */
export class DeployPrdDto extends DeployOptionsDto {
  @ApiProperty({ example: 'my-service' }) @IsString() @name('projectId')
  projectId!: string;

  @ApiProperty({ example: 'staging' }) @IsString() @name('environment')
  environment!: string;

  @ApiProperty({ example: '1.2.3' }) @IsString() @Length(1, 128)
  version!: string;
}

export class CancelDto extends OperatorRequestDto {}

export class RollbackDeploymentDto extends OperatorRequestDto {
  @ApiPropertyOptional({ description: 'Default: the previous successful version of the lane.' })
  @IsOptional() @IsString() @Length(1, 128)
  version?: string;
}

export class RollbackEnvironmentDto extends RollbackDeploymentDto {
  @ApiProperty({ example: 'my-service' }) @IsString() @name('product')
  product!: string;
}

export class PromotionDto extends OperatorRequestDto {
  @ApiProperty({ example: 'my-service' }) @IsString() @name('product')
  product!: string;

  @ApiProperty({ example: 'staging' }) @IsString() @name('from')
  from!: string;

  @ApiProperty({ example: 'production' }) @IsString() @name('to')
  to!: string;

  @ApiPropertyOptional({ description: 'Default: the version currently completed in `from`.' })
  @IsOptional() @IsString() @Length(1, 128)
  version?: string;
}

export class ApprovalDto {
  @ApiPropertyOptional({ example: 'lgtm' })
  @IsOptional() @IsString() @Length(1, 1000)
  comment?: string;
}

export class LaneStatusQuery {
  @IsString() @name('product')
  product!: string;
}
