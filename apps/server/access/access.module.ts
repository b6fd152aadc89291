import { Global, Inject, Injectable, Module, type BeforeApplicationShutdown, type CanActivate, type ExecutionContext, type OnModuleInit } from '@nestjs/common';
import { APP_GUARD, DiscoveryModule } from '@nestjs/core';
import { ThrottlerGuard, ThrottlerModule } from '@nestjs/throttler';
import type { FastifyRequest } from 'fastify';
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
import { TokenUsage } from './token-usage';
import { TokensController } from './tokens.controller';

/** Rate limits per token, or per address for routes without one (/health). */
@Injectable()
class ShiplogThrottlerGuard extends ThrottlerGuard {
  protected override async getTracker(request: Record<string, unknown>): Promise<string> {
    const { principal, ip } = request as unknown as FastifyRequest;
    return principal ? `token:${principal.tokenId}` : `ip:${ip}`;
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
    ThrottlerModule.forRootAsync({
      inject: [SERVER_CONFIG],
      useFactory: (config: ServerConfig) => ({
        throttlers: [{ name: 'default', ttl: 60_000, limit: (context) => (context.switchToHttp().getRequest<FastifyRequest>().principal ? config.rateLimitPerMinute : config.anonymousRateLimitPerMinute) }],
        setHeaders: true,
      }),
    }),
  ],
  controllers: [TokensController, MetricsController],
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
    { provide: APP_GUARD, useClass: ShiplogThrottlerGuard },
    { provide: APP_GUARD, useClass: UsageRecordingGuard },
  ],
  exports: [TokenRegistry, TokensService],
})
export class AccessModule {}
