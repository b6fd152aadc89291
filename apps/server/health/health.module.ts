import { Module } from '@nestjs/common';
import { TerminusModule } from '@nestjs/terminus';
import { ReactorsModule } from '../reactors/reactors.module';
import { HealthController } from './health.controller';

@Module({ imports: [TerminusModule, ReactorsModule], controllers: [HealthController] })
export class HealthModule {}
