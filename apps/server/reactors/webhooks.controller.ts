import { Body, Controller, Delete, Get, HttpCode, NotFoundException, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsInt, IsOptional, IsString, IsUrl, Length, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { WebhooksService, type ActiveWebhook } from '../../../libs/application/webhooks/webhooks.service';
import type { Delivery } from '../../../libs/notifications/webhooks/outbox';
import { Outbox } from '../../../libs/notifications/webhooks/outbox';
import { Access } from '../access/access.decorator';
import { commandMetaOf } from '../infrastructure/request-meta';

export class CreateWebhookDto {
  @IsUrl({ protocols: ['http', 'https'], require_tld: false, require_protocol: true }, { message: 'url must be an http(s) URL' })
  url!: string;

  /** HMAC-SHA256 key for the Shiplog-Signature header; stored encrypted, never shown again. */
  @IsString() @Length(16, 256)
  secret!: string;

  /** Exact types, `prefix.*` groups, or `*`. */
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(100) @IsString({ each: true })
  event_types!: string[];
}

export class DeliveriesQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;
}

const shown = (webhook: ActiveWebhook) => ({ id: webhook.webhook_id, url: webhook.url, event_types: webhook.event_types, created_at: webhook.added_at });
const delivery = ({ payload: _payload, sealed_secret: _secret, target: _target, ...rest }: Delivery) => rest;

@ApiTags('Webhooks')
@Controller('api/v1/webhooks')
export class WebhooksController {
  constructor(
    private readonly webhooks: WebhooksService,
    private readonly outbox: Outbox,
  ) {}

  @Post()
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Subscribe a URL to events', description: 'Deliveries are signed (Shiplog-Signature: t=…,v1=HMAC-SHA256(secret, "t.body")) and retried with backoff.' })
  async create(@Body() body: CreateWebhookDto, @Req() request: FastifyRequest) {
    return shown(await this.webhooks.add(body, commandMetaOf(request)));
  }

  @Get()
  @Access('admin', 'none', { scopedTokens: 'refused' })
  async list() {
    return { items: (await this.webhooks.active()).map(shown) };
  }

  @Delete(':id')
  @HttpCode(204)
  @Access('admin', 'none', { scopedTokens: 'refused' })
  async remove(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.webhooks.remove(id, commandMetaOf(request));
  }

  @Get(':id/deliveries')
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: "A webhook's deliveries, newest first: status, attempts, last error, next attempt" })
  async deliveries(@Param('id') id: string, @Query() query: DeliveriesQuery) {
    if (!(await this.webhooks.active()).some((w) => w.webhook_id === id) && this.outbox.byTarget(`webhook:${id}`, 1).length === 0) {
      throw new NotFoundException(`No webhook ${id}`);
    }
    return { items: this.outbox.byTarget(`webhook:${id}`, query.limit ?? 100).map(delivery) };
  }
}
