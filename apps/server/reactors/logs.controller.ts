import { Body, Controller, Get, Param, Post, Query, Req, Res } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Type } from 'class-transformer';
import { ArrayMaxSize, ArrayMinSize, IsArray, IsIn, IsInt, IsOptional, IsString, MaxLength, Min } from 'class-validator';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { isTerminal } from '../../../libs/domain/deployments/statuses';
import { DeploymentLogs } from '../../../libs/executors/deployment-logs';
import { DeploymentQueries } from '../../../libs/read-models/deployments/deployments.queries';
import { deploymentInScope } from '../control-plane/deployment-lane';
import { Access } from '../access/access.decorator';
import { ReadConsistency } from '../infrastructure/consistency';

export class LogsQuery {
  /** Only lines after this sequence number. */
  @IsOptional() @Type(() => Number) @IsInt() @Min(0)
  after?: number;

  /** `1`: keep the response open as Server-Sent Events until the deployment finishes. */
  @IsOptional() @IsIn(['0', '1', 'true', 'false'])
  follow?: string;
}

export class PostLogsDto {
  @IsArray() @ArrayMinSize(1) @ArrayMaxSize(1000) @IsString({ each: true }) @MaxLength(8192, { each: true })
  lines!: string[];
}

const FOLLOW_CHECK_MS = 1_000;

@ApiTags('Control plane')
@Controller('api/deployments/:id/logs')
export class LogsController {
  constructor(
    private readonly logs: DeploymentLogs,
    private readonly deployments: DeploymentQueries,
    private readonly consistency: ReadConsistency,
  ) {}

  @Get()
  @Access('viewer', 'resource')
  @ApiOperation({ summary: "A deployment's log lines", description: '`?follow=1`: Server-Sent Events (`event: line`, then `event: end` when the deployment finished).' })
  async read(@Param('id') id: string, @Query() query: LogsQuery, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.deploymentInScope(id, request, reply);
    const after = query.after ?? 0;
    if (query.follow === '1' || query.follow === 'true') return this.follow(id, after, reply);
    const items = this.logs.read(id, after);
    return { items, next_after: items.length > 0 ? items[items.length - 1]!.seq : after };
  }

  @Post()
  @Access('ingest', 'resource')
  @ApiOperation({ summary: 'Append log lines (from CI)' })
  async append(@Param('id') id: string, @Body() body: PostLogsDto, @Req() request: FastifyRequest, @Res({ passthrough: true }) reply: FastifyReply) {
    await this.deploymentInScope(id, request, reply);
    this.logs.append(id, 'ci', body.lines, new Date());
    void reply.status(201);
    return { appended: body.lines.length };
  }

  private deploymentInScope(id: string, request: FastifyRequest, reply: FastifyReply) {
    return deploymentInScope({ deployments: this.deployments, consistency: this.consistency }, id, request, reply);
  }

  /** Streams lines as they are appended; ends once the deployment is finished and every line was sent. */
  private follow(id: string, after: number, reply: FastifyReply): void {
    let last = after;
    let closed = false;
    reply.hijack();
    const raw = reply.raw;
    raw.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive', 'x-accel-buffering': 'no' });
    const flush = () => {
      for (const line of this.logs.read(id, last)) {
        raw.write(`id: ${line.seq}\nevent: line\ndata: ${JSON.stringify(line)}\n\n`);
        last = line.seq;
      }
    };
    const finish = () => {
      if (closed) return;
      closed = true;
      unsubscribe();
      clearInterval(check);
      raw.end();
    };
    const unsubscribe = this.logs.onAppend(id, flush);
    const check = setInterval(() => {
      void this.deployments.get(id).then((deployment) => {
        if (!deployment || !isTerminal(deployment.status)) return;
        flush();
        raw.write(`event: end\ndata: ${JSON.stringify({ status: deployment.status })}\n\n`);
        finish();
      });
    }, FOLLOW_CHECK_MS);
    raw.on('close', finish); // the response's close: the client left (the request's fires once its body is read)
    flush();
  }
}
