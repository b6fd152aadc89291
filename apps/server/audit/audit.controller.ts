import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional, IsString, Length, Matches } from 'class-validator';
import { NAME_PATTERN, NAME_RULE } from '../../../libs/domain/shared/names';
import { DEFAULT_PAGE_SIZE, encodeCursor } from '../../../libs/read-models/shared/paging';
import { cursorOf, PageQuery } from '../infrastructure/page-query';
import { streamGlobsFor, typeFilter } from './audit-feed';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../../libs/event-store/event-store.port';
import { Access } from '../access/access.decorator';
import { IsInstant, toInstant } from '../infrastructure/dto-helpers';

export class ExportQuery {
  @IsOptional() @IsIn(['ndjson', 'csv'], { message: 'format must be one of: ndjson, csv' })
  format?: 'ndjson' | 'csv';

  /** Events recorded at or after this instant. */
  @IsOptional() @IsInstant()
  from?: string;

  /** Events recorded before this instant. */
  @IsOptional() @IsInstant()
  to?: string;
}

const CSV_COLUMNS = ['position', 'id', 'stream', 'revision', 'type', 'schema_version', 'occurred_at', 'recorded_at', 'actor_kind', 'actor_id', 'actor_name', 'correlation_id', 'causation_id', 'prev_hash', 'hash', 'data'];

const csvCell = (value: unknown): string => {
  const text = value === undefined || value === null ? '' : typeof value === 'string' ? value : JSON.stringify(value);
  return /[",\n\r]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
};

const csvRow = (e: RecordedEvent): string =>
  [e.position, e.id, e.stream, e.revision, e.type, e.schemaVersion, e.occurredAt, e.recordedAt, e.metadata.actor.kind, e.metadata.actor.id, e.metadata.actor.name, e.metadata.correlationId, e.metadata.causationId, e.metadata.prevHash, e.metadata.hash, e.data]
    .map(csvCell)
    .join(',');

const BATCH = 1_000;

export class AuditQuery extends PageQuery {
  @IsOptional() @IsString() @Length(1, 300)
  stream?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `product ${NAME_RULE}` })
  product?: string;

  @IsOptional() @Matches(NAME_PATTERN, { message: `environment ${NAME_RULE}` })
  environment?: string;

  /** An event type, `prefix.*`, or several separated by commas. */
  @IsOptional() @IsString() @Length(1, 500)
  type?: string;

  /** Actor id (token id, `slack:U…`, `system:…`) or name. */
  @IsOptional() @IsString() @Length(1, 256)
  actor?: string;

  @IsOptional() @IsInstant()
  from?: string;

  @IsOptional() @IsInstant()
  to?: string;
}

@ApiTags('Audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get()
  @Access('auditor', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'The event feed: who did what, when, with correlation and causation ids', description: 'Filters: stream, product, environment, type (`x.*`), actor, from/to (recording time). Cursor-paged, oldest first.' })
  async feed(@Query() query: AuditQuery) {
    const cursor = cursorOf(query);
    const limit = query.limit ?? DEFAULT_PAGE_SIZE;
    const globs = streamGlobsFor(query);
    const from = toInstant(query.from);
    const to = toInstant(query.to);
    const events = await this.store.searchEvents({
      ...(globs ? { streamGlobs: globs } : {}),
      ...typeFilter(query.type),
      ...(query.actor ? { actor: query.actor } : {}),
      ...(from ? { recordedFrom: from } : {}),
      ...(to ? { recordedBefore: to } : {}),
      afterPosition: typeof cursor?.[0] === 'number' ? cursor[0] : 0,
      limit: limit + 1,
    });
    const items = events.slice(0, limit);
    return { items, next_cursor: events.length > limit ? encodeCursor([items[items.length - 1]!.position]) : null };
  }

  /** Streams every event in store order, batch by batch: memory stays flat however large the store is. */
  @Get('export')
  @Access('auditor', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Export events with their hash-chain fields (NDJSON or CSV), streamed', description: '`from`/`to` bound the recording time.' })
  async export(@Query() query: ExportQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const format = query.format ?? 'ndjson';
    const from = toInstant(query.from);
    const to = toInstant(query.to);
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, {
      'content-type': format === 'csv' ? 'text/csv; charset=utf-8' : 'application/x-ndjson',
      'content-disposition': `attachment; filename="shiplog-events.${format}"`,
    });
    let aborted = false;
    request.raw.on('close', () => (aborted = true));
    if (format === 'csv') raw.write(`${CSV_COLUMNS.join(',')}\n`);
    for (let position = 0; !aborted; ) {
      const events = await this.store.readAll(position, BATCH);
      if (events.length === 0) break;
      position = events[events.length - 1]!.position;
      const chunk = events
        .filter((e) => (!from || e.recordedAt >= from) && (!to || e.recordedAt < to))
        .map((e) => (format === 'csv' ? csvRow(e) : JSON.stringify(e)))
        .join('\n');
      if (chunk && !raw.write(`${chunk}\n`)) await new Promise((resolve) => raw.once('drain', resolve));
    }
    raw.end();
  }
}
