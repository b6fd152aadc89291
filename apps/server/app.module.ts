import { ReleasesModule } from './releases/releases.module';
import { StrategiesModule } from './strategies/strategies.module';
import { GitOpsModule } from './gitops/gitops.module';
import { DashboardModule } from './dashboard/dashboard.module';
import { Global, Module, type DynamicModule } from '@nestjs/common';
import { CqrsModule } from '@nestjs/cqrs';
import { SERVER_CONFIG, type ServerConfig } from './config';
import { IngestionModule } from './ingestion.module';
import { ReactorsModule } from './reactors/reactors.module';
import { AccessModule } from './access/access.module';
import { AdminModule } from './admin/admin.module';
import { ArtifactsModule } from './artifacts/artifacts.module';
import { AuditModule } from './audit/audit.module';
import { ControlPlaneModule } from './control-plane/control-plane.module';
import { EnvironmentsModule } from './environments/environments.module';
import { HealthModule } from './health/health.module';
import { StorageModule } from './infrastructure/storage.module';

@Global()
@Module({})
class ConfigModule {
  static forRoot(config: ServerConfig): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: SERVER_CONFIG, useValue: config }], exports: [SERVER_CONFIG] };
  }
}

@Module({})
export class AppModule {
  static forRoot(config: ServerConfig): DynamicModule {
    return {
      module: AppModule,
      imports: [ConfigModule.forRoot(config), CqrsModule.forRoot(), StorageModule, AccessModule, HealthModule, IngestionModule, EnvironmentsModule, ControlPlaneModule, ReactorsModule, AuditModule, AdminModule, ArtifactsModule, ReleasesModule, StrategiesModule, GitOpsModule, DashboardModule.forRoot()],
    };
  }
}
