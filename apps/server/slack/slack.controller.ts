import { Body, Controller, Delete, Get, HttpCode, Param, Post, Query, Req } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsIn, IsInt, IsOptional, IsString, Length, Matches, Max, Min } from 'class-validator';
import type { FastifyRequest } from 'fastify';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { TokensService } from '../../../libs/application/access/tokens.service';
import { PreferencesService } from '../../../libs/application/notifications/preferences.service';
import { ROLES, type Role } from '../../../libs/domain/access/roles';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { SlackMessages } from '../../../libs/notifications/slack/slack-messages';
import { Access } from '../access/access.decorator';
import { definedOnly } from '../infrastructure/dto-helpers';
import { commandMetaOf } from '../infrastructure/request-meta';

/** Versioner's body: `{event_type, channel_id}`, plus optional product/environment filters and wildcards. */
export class PreferenceDto {
  @IsString() @Length(1, 128)
  event_type!: string;

  @IsString() @Length(1, 64)
  channel_id!: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;
}

export class SlackUserDto {
  @IsString() @Matches(/^[A-Z0-9]{2,32}$/, { message: 'slack_user_id must be a Slack user id such as U012AB3CD' })
  slack_user_id!: string;

  @IsIn(ROLES, { message: `role must be one of: ${ROLES.join(', ')}` })
  role!: Role;
}

export class DeliveriesQuery {
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(1000)
  limit?: number;
}

@ApiTags('Notifications')
@Controller()
export class SlackController {
  constructor(
    private readonly preferences: PreferencesService,
    private readonly tokens: TokensService,
    private readonly registry: TokenRegistry,
    private readonly messages: SlackMessages,
  ) {}

  @Post('notification-preferences')
  @Access('admin', { product: 'body.product', environment: 'body.environment' })
  @ApiOperation({ summary: 'Notify a Slack channel about an event type (Versioner)', description: 'Exact types or wildcards such as `deployment.*`; optional product/environment filters.' })
  async addPreference(@Body() body: PreferenceDto, @Req() request: FastifyRequest) {
    const preference = await this.preferences.add(definedOnly({ event_type: body.event_type, channel_id: body.channel_id, product: body.product, environment: body.environment }), commandMetaOf(request));
    return { id: preference.preference_id, ...preference };
  }

  @Get('notification-preferences')
  @Access('viewer')
  async listPreferences() {
    return { items: (await this.preferences.list()).map((p) => ({ id: p.preference_id, ...p })) };
  }

  @Delete('notification-preferences/:id')
  @HttpCode(204)
  @Access('admin')
  async removePreference(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.preferences.remove(id, commandMetaOf(request));
  }

  @Post('api/v1/slack/users')
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Give a Slack user a Shiplog role (for buttons and /shiplog)' })
  async mapUser(@Body() body: SlackUserDto, @Req() request: FastifyRequest) {
    await this.tokens.mapSlackUser(body.slack_user_id, body.role, commandMetaOf(request));
    return { slack_user_id: body.slack_user_id, role: body.role };
  }

  @Get('api/v1/slack/users')
  @Access('admin', 'none', { scopedTokens: 'refused' })
  async listUsers() {
    return { items: Object.entries((await this.registry.refresh()).slackUsers).map(([slack_user_id, role]) => ({ slack_user_id, role })) };
  }

  @Delete('api/v1/slack/users/:id')
  @HttpCode(204)
  @Access('admin', 'none', { scopedTokens: 'refused' })
  async unmapUser(@Param('id') id: string, @Req() request: FastifyRequest): Promise<void> {
    await this.tokens.mapSlackUser(id, null, commandMetaOf(request));
  }

  @Get('api/v1/notifications/deliveries')
  @Access('viewer')
  @ApiOperation({ summary: 'Slack messages Shiplog keeps: channel, ts, last status, attempts, last error' })
  deliveries(@Query() query: DeliveriesQuery) {
    return {
      items: this.messages.list(query.limit ?? 100).map((m) => ({
        subject_id: m.subject_id,
        subject_kind: m.subject_kind,
        channel: m.channel,
        ts: m.ts,
        status: m.status,
        last_status: (JSON.parse(m.facts) as { status?: string }).status ?? null,
        attempts: m.attempts,
        last_error: m.last_error,
        updated_at: m.updated_at,
      })),
    };
  }
}
