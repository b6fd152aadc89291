import {
  IsISO8601,
  IsObject,
  IsOptional,
  IsString,
  Length,
  Matches,
  MaxLength,
  ValidateBy,
  type ValidationOptions,
} from 'class-validator';
import type { ReportDeploymentStatus } from '../../../libs/domain/deployments/lane.commands';
import { parseDeploymentStatus } from '../../../libs/domain/deployments/statuses';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';

export const MAX_EXTRA_METADATA_BYTES = 64 * 1024;

/** `extra_metadata` stays an object of at most 64 KiB once serialized. */
const MaxJsonBytes = (bytes: number, options?: ValidationOptions) =>
  ValidateBy(
    {
      name: 'maxJsonBytes',
      validator: {
        validate: (value: unknown) => Buffer.byteLength(JSON.stringify(value) ?? '') <= bytes,
        defaultMessage: (args) => `${args?.property ?? 'value'} must serialize to at most ${bytes} bytes of JSON`,
      },
    },
    options,
  );

/** Versioner's deployment event (seed 001), plus Shiplog's optional `occurred_at`. Shape only: the domain gives meaning. */
export class DeploymentEventDto {
  @IsString() @Matches(NAME_PATTERN, { message: `product_name ${NAME_RULE}` })
  product_name!: string;

  @IsString() @Matches(NAME_PATTERN, { message: `environment_name ${NAME_RULE}` })
  environment_name!: string;

  @IsString() @Length(1, 128)
  version!: string;

  /** Any alias of DESIGN §4, e.g. `deploying`, `success`, `cancelled`; parsed by the domain. */
  @IsString() @Length(1, 64)
  status!: string;

  @IsOptional() @IsString() @MaxLength(256)
  deployed_by?: string;

  @IsOptional() @IsString() @MaxLength(128)
  scm_sha?: string;

  @IsOptional() @IsString() @MaxLength(256)
  scm_branch?: string;

  @IsOptional() @IsString() @MaxLength(2048)
  build_url?: string;

  @IsOptional() @IsObject() @MaxJsonBytes(MAX_EXTRA_METADATA_BYTES)
  extra_metadata?: Record<string, unknown>;

  /** When it happened at the source; defaults to when Shiplog recorded it. */
  @IsOptional() @IsISO8601({ strict: true, strictSeparator: true })
  occurred_at?: string;
}

const defined = <T extends object>(value: T): T => Object.fromEntries(Object.entries(value).filter(([, v]) => v !== undefined)) as T;

export const toReportCommand = (dto: DeploymentEventDto): ReportDeploymentStatus => ({
  type: 'ReportDeploymentStatus',
  data: defined({
    product: dto.product_name,
    environment: dto.environment_name,
    version: dto.version,
    status: parseDeploymentStatus(dto.status),
    occurred_at: dto.occurred_at === undefined ? undefined : new Date(dto.occurred_at).toISOString(),
    deployed_by: dto.deployed_by,
    scm_sha: dto.scm_sha,
    scm_branch: dto.scm_branch,
    build_url: dto.build_url,
    extra_metadata: dto.extra_metadata,
  }) as ReportDeploymentStatus['data'],
});
