import { Module } from '@nestjs/common';
import { CommandBus } from '@nestjs/cqrs';
import { join } from 'node:path';
import { RequestDeploymentCommand } from '../../../libs/application/deployments/control-plane.handlers';
import { LaneWriter } from '../../../libs/application/deployments/lane-writer';
import { VariablesService } from '../../../libs/application/environments/variables.service';
import { IsomorphicGitRepositories } from '../../../libs/application/gitops/git-repository';
import { GitOpsService } from '../../../libs/application/gitops/gitops.service';
import { GitOpsWatcher } from '../../../libs/application/gitops/gitops.watcher';
import { CLOCK, IDS } from '../../../libs/application/shared/tokens';
import type { Clock, IdGenerator } from '../../../libs/domain/shared/time';
import { EVENT_STORE, type EventStore } from '../../../libs/event-store/event-store.port';
import { SERVER_CONFIG, type ServerConfig } from '../config';
import { EnvironmentsModule } from '../environments/environments.module';
import { IngestionModule } from '../ingestion.module';
import { GitOpsController } from './gitops.controller';
import { Logger } from '@nestjs/common';

const logger = new Logger('GitOps');

/** GitOps sources: the API; the watcher runs on the active replica with the reactors. */
@Module({
  imports: [IngestionModule, EnvironmentsModule],
  controllers: [GitOpsController],
  providers: [
    {
      provide: GitOpsService,
      useFactory: (store: EventStore, clock: Clock, ids: IdGenerator, lanes: LaneWriter, commands: CommandBus, variables: VariablesService, config: ServerConfig) =>
        new GitOpsService({
          store,
          clock,
          ids,
          repositories: new IsomorphicGitRepositories(join(config.dataDir, 'gitops')),
          lanes,
          deploy: async (change, reason, meta) =>
            (await commands.execute(new RequestDeploymentCommand({ product: change.product, environment: change.environment, version: change.desired, reason }, meta))).deploymentId,
          // Environment-wide variables only: the token is the repository's, not a product's.
          password: async ({ environment, variable }) => (await variables.resolve(environment, ''))[variable] ?? null,
        }),
      inject: [EVENT_STORE, CLOCK, IDS, LaneWriter, CommandBus, VariablesService, SERVER_CONFIG],
    },
    {
      provide: GitOpsWatcher,
      useFactory: (gitops: GitOpsService, clock: Clock, config: ServerConfig) => new GitOpsWatcher(gitops, clock, { tickMs: config.gitopsTickMs }, (message) => logger.warn(message)),
      inject: [GitOpsService, CLOCK, SERVER_CONFIG],
    },
  ],
  exports: [GitOpsService, GitOpsWatcher],
})
export class GitOpsModule {}
