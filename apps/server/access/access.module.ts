import { Global, Inject, Injectable, Module, type BeforeApplicationShutdown, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { TokensService } from '../../../libs/application/access/tokens.service';
import { CLOCK, IDS } from '../../../libs/application/shared/tokens';
import type { Clock, IdGenerator } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { READ_STORE, type ReadStore } from '../../../libs/read-models/read-store.port';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { MetricsController } from '../metrics/metrics.controller';
import { AccessBootstrap } from './access.bootstrap';
import { AccessGuard } from './access.guard';
import { RouteAccessCheck } from './route-access.check';
import { ProblemException } from '../problems/problem';
import { RateWindow } from './rate-window';
import { TokenUsage } from './token-usage';
import { MeController } from './me.controller';
import { TokensController } from './tokens.controller';

/**
 * Rate limits per token, or per address for routes without one (/health): fixed one-minute windows, with
 * X-RateLimit-Limit/Remaining/Reset on every answer and Retry-After on a 429.
 */
@Injectable()
class RateLimitGuard implements CanActivate {
  private readonly perToken: RateWindow;
  private readonly perAddress: RateWindow;

  constructor(@Inject(SERVER_CONFIG) private readonly config: ServerConfig) {
    this.perToken = new RateWindow(config.rateLimitPerMinute, 60_000, Date.now);
    this.perAddress = new RateWindow(config.anonymousRateLimitPerMinute, 60_000, Date.now);
  }

  canActivate(context: ExecutionContext): boolean {
    const http = context.switchToHttp();
    const { principal, ip } = http.getRequest<FastifyRequest>();
    const [window, key, limit] = principal ? [this.perToken, principal.tokenId, this.config.rateLimitPerMinute] : [this.perAddress, ip, this.config.anonymousRateLimitPerMinute];
    const { allowed, remaining, resetSeconds } = window.take(key);
    void http.getResponse<FastifyReply>().headers({ 'x-ratelimit-limit': limit, 'x-ratelimit-remaining': remaining, 'x-ratelimit-reset': resetSeconds });
    if (allowed) return true;
    throw new ProblemException('rate-limited', `More than ${limit} requests a minute; retry in ${resetSeconds} s.`, [], { 'retry-after': String(resetSeconds) });
  }
}

/** Records when each token was last used, after the AccessGuard let the request in. */
@Injectable()
class UsageLifecycle implements OnModuleInit, BeforeApplicationShutdown {
  constructor(private readonly usage: TokenUsage) {}
  onModuleInit() {
    return this.usage.start();
  }
  beforeApplicationShutdown() {
    return this.usage.stop();
  }
}

@Injectable()
class UsageRecordingGuard implements CanActivate {
  constructor(
    private readonly usage: TokenUsage,
    @Inject(CLOCK) private readonly clock: Clock,
  ) {}
  canActivate(context: ExecutionContext): boolean {
    const { principal } = context.switchToHttp().getRequest<FastifyRequest>();
    if (principal?.source === 'token') this.usage.touch(principal.tokenId, this.clock.now());
    return true;
  }
}

@Global()
@Module({
  imports: [
    DiscoveryModule,
  ],
  controllers: [TokensController, MetricsController, MeController],
  providers: [
    {
      provide: TokenRegistry,
      useFactory: (store: EventStore, clock: Clock, config: ServerConfig) => new TokenRegistry(store, clock, config.adminToken),
      inject: [EVENT_STORE, CLOCK, SERVER_CONFIG],
    },
    {
      provide: TokensService,
      useFactory: (store: EventStore, clock: Clock, ids: IdGenerator, registry: TokenRegistry) => new TokensService(store, clock, ids, registry),
      inject: [EVENT_STORE, CLOCK, IDS, TokenRegistry],
    },
    { provide: TokenUsage, useFactory: (readStore: ReadStore) => new TokenUsage(readStore), inject: [READ_STORE] },
    UsageLifecycle,
    AccessBootstrap,
    RouteAccessCheck,
    // Order matters: authenticate first, so rate limits and usage are per token.
    { provide: APP_GUARD, useClass: AccessGuard },
    { provide: APP_GUARD, useClass: RateLimitGuard },
    { provide: APP_GUARD, useClass: UsageRecordingGuard },
  ],
  exports: [TokenRegistry, TokensService],
})
export class AccessModule {}
