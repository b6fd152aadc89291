import { Module } from '@nestjs/common';
import { AdminController } from './admin.controller';
import { RebuildJobs } from './rebuild-jobs';

@Module({ controllers: [AdminController], providers: [RebuildJobs] })
export class AdminModule {}
