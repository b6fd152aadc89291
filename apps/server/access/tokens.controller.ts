import { Body, Controller, Delete, Get, HttpCode, Param, Post, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { TokensService } from '../../../libs/application/access/tokens.service';
import { ROLES, type Role } from '../../../libs/domain/access/roles';
import type { TokenRecord } from '../../../libs/domain/access/tokens.decider';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { definedOnly, IsInstant, toInstant } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';
import { Access } from './access.decorator';
import { TokenUsage } from './token-usage';

export class CreateTokenDto {
  @IsString() @Length(1, 128)
  name!: string;

  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role!: Role;

  /** Limit the token to these products (default: all). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @Matches(NAME_PATTERN, { each: true, message: `each product ${NAME_RULE}` })
  products?: string[];

  /** Limit the token to these environments (default: all). */
  @IsOptional() @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @Matches(NAME_PATTERN, { each: true, message: `each environment ${NAME_RULE}` })
  environments?: string[];

  @IsOptional() @IsInstant()
  expires_at?: string;
}

export type TokenView = {
  id: string;
  name: string;
  role: Role;
  prefix: string;
  products: string[] | null;
  environments: string[] | null;
  created_at: string;
  expires_at: string | null;
  revoked_at: string | null;
  last_used_at: string | null;
};

@ApiTags('Access')
@Controller('api/v1/tokens')
export class TokensController {
  constructor(
    private readonly tokens: TokensService,
    private readonly registry: TokenRegistry,
    private readonly usage: TokenUsage,
  ) {}

  @Post()
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Create a token', description: 'The secret (`token`) is in this response only: store it now. Only its SHA-256 is kept.' })
  async create(@Body() body: CreateTokenDto, @Req() request: FastifyRequest): Promise<TokenView & { token: string }> {
    const scope = definedOnly({ products: body.products, environments: body.environments });
    const { token, record } = await this.tokens.issue(
      definedOnly({ name: body.name, role: body.role, scope, expires_at: toInstant(body.expires_at) }),
      commandMetaOf(request),
    );
    return { ...this.view(record), token };
  }

  @Get()
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'List tokens (never their secrets)' })
  async list(): Promise<{ items: TokenView[] }> {
    return { items: (await this.registry.tokens()).map((t) => this.view(t)) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Revoke a token; it is refused from the next request on' })
  async revoke(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.tokens.revoke(id, commandMetaOf(request));
  }

  private view(token: TokenRecord): TokenView {
    return {
      id: token.token_id,
      name: token.name,
      role: token.role,
      prefix: token.prefix,
      products: token.scope.products ?? null,
      environments: token.scope.environments ?? null,
      created_at: token.issued_at,
      expires_at: token.expires_at ?? null,
      revoked_at: token.revoked_at,
      last_used_at: this.usage.get(token.token_id),
    };
  }
}
