import { Controller, Get, HttpCode, Inject, Param, Post } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';
import { Access } from '../access/access.decorator';
import { RebuildJobs } from './rebuild-jobs';

@ApiTags('Admin')
@Controller('api/v1/admin/projections')
export class AdminController {
  constructor(
    @Inject(PROJECTION_CONTROL) private readonly runner: ProjectionControl,
    private readonly jobs: RebuildJobs,
  ) {}

  @Get()
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Projections: position, lag, last error, and the latest rebuild' })
  async list() {
    return { items: (await this.runner.status()).map((status) => ({ ...status, rebuild: this.jobs.get(status.name) })) };
  }

  @Post(':name/rebuild')
  @HttpCode(202)
  @Access('admin', 'none', { scopedTokens: 'refused' })
  @ApiOperation({ summary: 'Rebuild a projection from the events into fresh tables, then swap atomically', description: 'The old read model keeps serving meanwhile. Poll GET /api/v1/admin/projections for progress.' })
  rebuild(@Param('name') name: string) {
    return this.jobs.start(name);
  }
}
