import { Controller, Get, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyRequest } from 'fastify';
import { Access } from './access.decorator';
import { principalOf } from './principal.request';

@ApiTags('Access')
@Controller('api/v1/me')
export class MeController {
  @Get()
  @Access('viewer')
  @ApiOperation({ summary: 'Who the token is: name, role and scope (the dashboard shows only the actions the role allows)' })
  me(@Req() request: FastifyRequest) {
    const { tokenId, name, role, scope } = principalOf(request);
    return { id: tokenId, name, role, scope };
  }
}
