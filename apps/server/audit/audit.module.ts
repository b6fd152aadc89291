import { Module } from '@nestjs/common';
import { AuditController } from './audit.controller';

/** For auditors: the event history with its hash chain. */
@Module({ controllers: [AuditController] })
export class AuditModule {}
