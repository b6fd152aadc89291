import { Controller, Get, Inject, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { IsInt, IsOptional, Max, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { scopeAdmits } from '../../../libs/domain/access/tokens.decider';
import { EVENT_STORE, type EventStore, type RecordedEvent } from '../../../libs/event-store/event-store.port';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { Access } from '../access/access.decorator';
import { principalOf } from '../access/principal.request';

/** What the dashboard follows; token, variable and webhook events never leave the server this way. */
const STREAMED = ['deployment.', 'build.', 'lane.', 'release.', 'gitops.', 'environment.updated', 'environment.locked', 'environment.unlocked', 'environment.config_versioned', 'environment.health_changed'];
const HEARTBEAT_MS = 15_000;
const CONSISTENCY_WAIT_MS = 2_000;

type Facts = { product?: string; environment?: string; deployment_id?: string; version?: string; release_id?: string; source_id?: string };

/** The change as the client sees it: enough to know what to refetch, no payload. */
const changeOf = (event: RecordedEvent) => {
  const data = event.data as Facts;
  return { position: event.position, type: event.type, product: data.product, environment: data.environment, deployment_id: data.deployment_id, version: data.version };
};

export class StreamQuery {
  @ApiPropertyOptional({ example: 300, description: 'End the stream after this many seconds (for proxies that cut long connections; the client reconnects). Default: never.' })
  @IsOptional() @Type(() => Number) @IsInt() @Min(1) @Max(86_400)
  max_seconds?: number;
}

@ApiTags('Live updates')
@Controller('api/v1/stream')
export class StreamController {
  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PROJECTION_CONTROL) private readonly projections: ProjectionControl,
  ) {}

  @Get()
  @Access('viewer')
  @ApiOperation({
    summary: 'Server-Sent Events of projected changes (`event: change`, data `{position, type, product, environment, deployment_id, version}`)',
    description: 'Each change is sent once every read model has applied it, so a GET after it shows it. Limited to the token scope. Comments (`: ping`) every 15 s keep proxies from closing the stream.',
  })
  async stream(@Query() query: StreamQuery, @Req() request: FastifyRequest, @Res() reply: FastifyReply): Promise<void> {
    const { scope } = principalOf(request);
    let pumping = false;
    let again = false;
    let closed = false;
    let stop = () => undefined as void;
    const end = () => {
      if (closed) return;
      closed = true;
      stop();
      if (!reply.raw.writableEnded) reply.raw.end();
    };
    // The response's close is the client leaving (the request's fires once its body is read). Listen before anything
    // is awaited: a close in between would otherwise leak the stream.
    reply.raw.on('close', () => end());
    reply.hijack();
    const raw = reply.raw;
    let last = await this.store.headPosition();
    if (closed || raw.destroyed) return void end();
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    raw.write(`event: ready\ndata: ${JSON.stringify({ position: last })}\n\n`);
    const unscoped = !scope.products && !scope.environments;
    const visible = (event: RecordedEvent) => {
      if (!STREAMED.some((prefix) => event.type.startsWith(prefix))) return false;
      const { product, environment } = event.data as Facts;
      // An event about no product or environment (a GitOps source, a release) concerns everything: unscoped tokens only.
      return product || environment ? scopeAdmits(scope, { product, environment }) : unscoped;
    };
    // One reader per connection; appends that arrive while it reads are picked up by the next round.
    const pump = async (): Promise<void> => {
      if (pumping) return void (again = true);
      pumping = true;
      try {
        do {
          again = false;
          for (;;) {
            const events = await this.store.readAll(last, 500);
            if (events.length === 0 || closed) break;
            last = events[events.length - 1]!.position;
            const changes = events.filter(visible).map(changeOf);
            if (changes.length === 0) continue;
            await this.projections.waitFor(last, CONSISTENCY_WAIT_MS);
            if (closed) return;
            raw.write(changes.map((change) => `id: ${change.position}\nevent: change\ndata: ${JSON.stringify(change)}\n\n`).join(''));
          }
        } while (again && !closed);
      } finally {
        pumping = false;
      }
    };
    const unsubscribe = this.store.onAppended(() => void pump().catch(() => undefined));
    const heartbeat = setInterval(() => raw.write(': ping\n\n'), HEARTBEAT_MS);
    heartbeat.unref();
    const deadline = query.max_seconds ? setTimeout(() => end(), query.max_seconds * 1000) : undefined;
    stop = () => {
      unsubscribe();
      clearInterval(heartbeat);
      clearTimeout(deadline);
    };
  }
}
