import { Body, Controller, Delete, Get, HttpCode, Param, Put, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsBoolean, IsOptional, IsString, Matches, MaxLength } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { VariablesService } from '../../../libs/application/environments/variables.service';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import type { VariableView } from '../../../libs/read-models/environments/variables.projection';
import { VariableQueries } from '../../../libs/read-models/environments/variables.queries';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';
import { definedOnly, nameParam } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';

export const MASK = '********';
export const MAX_VARIABLE_BYTES = 64 * 1024;

export class SetVariableDto {
  @IsString() @MaxLength(MAX_VARIABLE_BYTES)
  value!: string;

  /** Secret values are encrypted at rest and never shown again. */
  @IsOptional() @IsBoolean()
  secret?: boolean;

  /** Set it for one product only (default: the whole environment). */
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;
}

export class VariableQuery {
  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;
}

/** What anyone may see of a variable: secrets masked. */
const shown = (v: VariableView) => ({ ...v, value: v.secret ? MASK : v.value });

@ApiTags('Environments')
@Controller('api/v1/environments/:env/variables')
export class VariablesController {
  constructor(
    private readonly variables: VariablesService,
    private readonly queries: VariableQueries,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @Access('viewer', { environment: 'params.env', product: 'query.product' })
  @ApiOperation({ summary: "An environment's variables (secrets masked)", description: 'With `product`, the environment-wide ones and that product’s.' })
  async list(@Param('env') env: string, @Query() query: VariableQuery, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.consistency.catchUp(reply);
    return { items: (await this.queries.list(nameParam('env', env), query.product)).map(shown) };
  }

  @Put(':name')
  @Access('admin', { environment: 'params.env', product: 'body.product' })
  @ApiOperation({ summary: 'Set a variable', description: '`secret: true` encrypts the value at rest (AES-256-GCM); it is write-only from then on.' })
  async set(@Param('env') env: string, @Param('name') name: string, @Body() body: SetVariableDto, @Req() request: FastifyRequest) {
    await this.variables.set(definedOnly({ environment: nameParam('env', env), product: body.product, name, value: body.value, secret: body.secret ?? false }), commandMetaOf(request));
    return { environment: env, product: body.product ?? null, name, secret: body.secret ?? false, value: body.secret ? MASK : body.value };
  }

  @Delete(':name')
  @HttpCode(204)
  @Access('admin', { environment: 'params.env', product: 'query.product' })
  @ApiOperation({ summary: 'Remove a variable' })
  async remove(@Param('env') env: string, @Param('name') name: string, @Query() query: VariableQuery, @Req() request: FastifyRequest): Promise<void> {
    await this.variables.remove(definedOnly({ environment: nameParam('env', env), product: query.product, name }), commandMetaOf(request));
  }
}
