import { ConflictException, Inject, Injectable, Logger, NotFoundException } from '@nestjs/common';
import { PROJECTION_CONTROL, type ProjectionControl } from '../../../libs/read-models/projection-control';

export type RebuildJob = {
  projection: string;
  state: 'running' | 'done' | 'failed';
  position: number;
  head: number;
  events_per_second: number;
  started_at: string;
  finished_at: string | null;
  error: string | null;
};

/** Projection rebuilds run in the background, one per projection at a time; their progress is polled. */
@Injectable()
export class RebuildJobs {
  private readonly logger = new Logger('Projections');
  private readonly jobs = new Map<string, RebuildJob>();

  constructor(@Inject(PROJECTION_CONTROL) private readonly runner: ProjectionControl) {}

  names(): readonly string[] {
    return this.runner.names;
  }

  start(name: string): RebuildJob {
    if (!this.names().includes(name)) throw new NotFoundException(`No projection "${name}"; projections: ${this.names().join(', ')}`);
    if (this.jobs.get(name)?.state === 'running') throw new ConflictException(`A rebuild of ${name} is already running`);
    const started = Date.now();
    const job: RebuildJob = { projection: name, state: 'running', position: 0, head: 0, events_per_second: 0, started_at: new Date(started).toISOString(), finished_at: null, error: null };
    this.jobs.set(name, job);
    this.runner
      .rebuildMany([name], ({ position, head }) => Object.assign(job, { position, head, events_per_second: Math.round(position / Math.max(0.001, (Date.now() - started) / 1000)) }))
      .then(() => Object.assign(job, { state: 'done', finished_at: new Date().toISOString() }))
      .catch((error: unknown) => {
        Object.assign(job, { state: 'failed', finished_at: new Date().toISOString(), error: error instanceof Error ? error.message : String(error) });
        this.logger.error(`rebuild of ${name} failed: ${job.error}`);
      });
    return job;
  }

  get(name: string): RebuildJob | null {
    return this.jobs.get(name) ?? null;
  }
}
