import { Inject, Injectable, Logger, type OnApplicationBootstrap } from '@nestjs/common';
import { TokenRegistry } from '../../../libs/application/access/token-registry';
import { TokensService } from '../../../libs/application/access/tokens.service';
import { SERVER_CONFIG, type ServerConfig } from '../config';

/**
 * First start: with no token at all and no SHIPLOG_ADMIN_TOKEN, create an admin token and print it once.
 * With SHIPLOG_AUTH=off, warn at every start.
 */
@Injectable()
export class AccessBootstrap implements OnApplicationBootstrap {
  private readonly logger = new Logger('Access');

  constructor(
    private readonly registry: TokenRegistry,
    private readonly tokens: TokensService,
    @Inject(SERVER_CONFIG) private readonly config: ServerConfig,
  ) {}

  async onApplicationBootstrap(): Promise<void> {
    if (!this.config.authEnabled) {
      this.logger.warn('SHIPLOG_AUTH=off: every request is accepted without a token, as an anonymous admin. Use this for local demos only.');
      return;
    }
    if (this.config.adminToken !== undefined || (await this.registry.tokens()).length > 0) return;
    const { token } = await this.tokens.issue(
      { name: 'bootstrap-admin', role: 'admin' },
      { actor: { kind: 'system', id: 'system:bootstrap', name: 'first start' }, correlationId: 'bootstrap' },
    );
    // Printed once, on stdout, never logged again: it is the only copy.
    process.stdout.write(
      `\n  Shiplog created an admin token (shown only this once; store it now):\n\n    ${token}\n\n` +
        `  Use it as "Authorization: Bearer <token>". Create more with POST /api/v1/tokens or "shiplog tokens create".\n\n`,
    );
  }
}
