import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import type { FastifyReply } from 'fastify';
import type { EnvironmentView, ProductView } from '../../../libs/read-models/catalog/catalog.projection';
import { CatalogQueries } from '../../../libs/read-models/catalog/catalog.queries';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';

@ApiTags('Catalog')
@Controller()
export class CatalogController {
  constructor(
    private readonly queries: CatalogQueries,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get('products')
  @Access('viewer')
  @ApiOperation({ summary: 'Products, registered on first use by any event' })
  async products(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ items: ProductView[] }> {
    await this.consistency.catchUp(reply);
    return { items: await this.queries.products() };
  }

  @Get('environments')
  @Access('viewer')
  @ApiOperation({ summary: 'Environments, created on first use by any deployment event' })
  async environments(@Res({ passthrough: true }) reply: FastifyReply): Promise<{ items: EnvironmentView[] }> {
    await this.consistency.catchUp(reply);
    return { items: await this.queries.environments() };
  }
}
