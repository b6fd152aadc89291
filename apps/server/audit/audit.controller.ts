import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { IsIn, IsOptional } from 'class-validator';
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

@ApiTags('Audit')
@Controller('api/v1/audit')
export class AuditController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

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
