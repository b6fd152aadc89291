import { Controller, Get, Header } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { Access } from '../access/access.decorator';
import { ShiplogMetrics } from './metrics';

@ApiTags('Operations')
@Controller('metrics')
export class MetricsController {
  constructor(private readonly metrics: ShiplogMetrics) {}

  @Get()
  @Access((config) => (config.metricsPublic ? 'public' : 'viewer'))
  @Header('content-type', 'text/plain; version=0.0.4; charset=utf-8')
  @ApiOperation({ summary: 'Prometheus metrics (viewer token unless SHIPLOG_METRICS_PUBLIC=true)' })
  metricsText(): Promise<string> {
    return this.metrics.registry.metrics();
  }
}
