import type Database from 'better-sqlite3';
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import type { Clock } from '../domain/shared/time';
import type { HealthCheck } from '../domain/environments/settings';
import type { DeploymentLogs, LogStream } from './deployment-logs';
import { verifyHealth } from './health-probe';

export type CommandJob = {
  deployment: { id: string; product: string; environment: string; version: string; isRollback: boolean };
  command: readonly string[];
  timeoutSeconds: number;
  /** The environment's variables (secrets decrypted), merged under the SHIPLOG_* variables. */
  variables: Readonly<Record<string, string>>;
  /** Values to mask in log lines (the secret variables). */
  secrets: readonly string[];
  /** The Verify step: after exit 0, the environment must answer healthy within the window. */
  verify?: HealthCheck | null;
};

export type Outcome = { status: 'started' | 'completed' | 'failed' | 'aborted'; error?: string };
export type Reporter = (job: CommandJob, outcome: Outcome) => Promise<void>;

type Running = { child: ChildProcess; cancelled: boolean; timedOut: boolean; killTimer: NodeJS.Timeout | null };

const MASK = '********';

/**
 * Runs deployment commands as argv (no shell), streams their output into the deployment log, and reports
 * started → completed (exit 0) | failed (non-zero, timeout) | aborted (cancelled: SIGTERM, then SIGKILL
 * after the grace period). Every process is recorded in operations.db so a restart can tell which were lost.
 */
export class CommandRunner {
  private readonly running = new Map<string, Running>();

  constructor(
    private readonly db: Database.Database,
    private readonly logs: DeploymentLogs,
    private readonly report: Reporter,
    private readonly clock: Clock,
    private readonly options: { cwd: string; graceMs: number },
  ) {}

  isRunning(deploymentId: string): boolean {
    return this.running.has(deploymentId);
  }

  async run(job: CommandJob): Promise<void> {
    const { deployment } = job;
    if (this.running.has(deployment.id)) return;
    await this.report(job, { status: 'started' });
    this.db
      .prepare('INSERT OR REPLACE INTO executions (deployment_id, product, environment, version, started_at) VALUES (?, ?, ?, ?, ?)')
      .run(deployment.id, deployment.product, deployment.environment, deployment.version, this.clock.now().toISOString());
    const outcome = await this.execute(job, {}, (pid) => this.db.prepare('UPDATE executions SET pid = ? WHERE deployment_id = ?').run(pid, deployment.id));
    this.db.prepare('UPDATE executions SET finished_at = ?, outcome = ? WHERE deployment_id = ?').run(this.clock.now().toISOString(), outcome.status, deployment.id);
    await this.report(job, outcome);
  }

  /**
   * One step of a deployment strategy (or its traffic rollback): the same command, with the step described in
   * `stepEnv` (SHIPLOG_STEP, SHIPLOG_TRAFFIC_PERCENT, …). The outcome goes to the caller, not to the lane, and
   * is not recorded as an execution: after a restart the strategy saga runs the step again (hooks set a weight,
   * so running one twice is harmless). Resolves `aborted` when `cancel` stopped it.
   */
  runStep(job: Omit<CommandJob, 'verify'>, stepEnv: Readonly<Record<string, string>>): Promise<Outcome> {
    if (this.running.has(job.deployment.id)) return Promise.resolve({ status: 'failed', error: 'another command of this deployment is still running' });
    return this.execute(job, stepEnv);
  }

  private async execute(job: CommandJob, extraEnv: Readonly<Record<string, string>>, onSpawn: (pid: number | null) => void = () => undefined): Promise<Outcome> {
    const { deployment } = job;
    const mask = (line: string) => job.secrets.reduce((masked, secret) => (secret ? masked.split(secret).join(MASK) : masked), line);
    const log = (stream: LogStream, line: string) => this.logs.append(deployment.id, stream, [mask(line)], this.clock.now());
    const [program, ...args] = job.command;
    const described = Object.entries(extraEnv).map(([key, value]) => `${key}=${value} `).join('');
    log('shiplog', `$ ${described}${job.command.join(' ')}`);

    const child = spawn(program!, args, {
      cwd: this.options.cwd,
      env: {
        PATH: process.env['PATH'] ?? '/usr/bin:/bin',
        HOME: process.env['HOME'] ?? '/',
        ...job.variables,
        SHIPLOG_PRODUCT: deployment.product,
        SHIPLOG_VERSION: deployment.version,
        SHIPLOG_ENVIRONMENT: deployment.environment,
        SHIPLOG_DEPLOYMENT_ID: deployment.id,
        SHIPLOG_IS_ROLLBACK: String(deployment.isRollback),
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const state: Running = { child, cancelled: false, timedOut: false, killTimer: null };
    this.running.set(deployment.id, state);
    onSpawn(child.pid ?? null);
    createInterface({ input: child.stdout! }).on('line', (line) => log('stdout', line));
    createInterface({ input: child.stderr! }).on('line', (line) => log('stderr', line));
    const timeout = setTimeout(() => {
      state.timedOut = true;
      this.terminate(state);
    }, job.timeoutSeconds * 1000);

    const outcome = await new Promise<Outcome>((resolve) => {
      child.on('error', (error) => resolve({ status: 'failed', error: `could not start ${program}: ${error.message}` }));
      child.on('exit', (code, signal) => {
        if (state.cancelled) return resolve({ status: 'aborted' });
        if (state.timedOut) return resolve({ status: 'failed', error: `timed out after ${job.timeoutSeconds} s` });
        resolve(code === 0 ? { status: 'completed' } : { status: 'failed', error: signal ? `killed by ${signal}` : `exit code ${code}` });
      });
    });
    clearTimeout(timeout);
    if (state.killTimer) clearTimeout(state.killTimer);
    const verified = outcome.status === 'completed' && job.verify ? await this.verify(job.verify, (line) => log('shiplog', line)) : outcome;
    this.running.delete(deployment.id);
    log('shiplog', verified.error ? `${verified.status}: ${verified.error}` : verified.status);
    return verified;
  }

  private async verify(check: HealthCheck, log: (line: string) => void): Promise<Outcome> {
    log(`verifying ${check.url} (expect ${check.expect_status} within ${check.verify_window_seconds} s)`);
    const observation = await verifyHealth(check, (o) => log(`health: ${o.detail}`));
    return observation.status === 'healthy' ? { status: 'completed' } : { status: 'failed', error: `health check failed after the deploy: ${observation.detail}` };
  }

  /** SIGTERM now, SIGKILL after the grace period; false when no process runs for the deployment. */
  cancel(deploymentId: string): boolean {
    const state = this.running.get(deploymentId);
    if (!state) return false;
    state.cancelled = true;
    this.terminate(state);
    return true;
  }

  private terminate(state: Running): void {
    state.child.kill('SIGTERM');
    state.killTimer = setTimeout(() => state.child.kill('SIGKILL'), this.options.graceMs);
  }

  /** Executions a previous process of the server started and never finished: their processes are gone. */
  lost(): { deployment_id: string; product: string; environment: string; version: string }[] {
    return this.db
      .prepare<[], { deployment_id: string; product: string; environment: string; version: string }>('SELECT deployment_id, product, environment, version FROM executions WHERE finished_at IS NULL')
      .all()
      .filter((row) => !this.running.has(row.deployment_id));
  }

  markLost(deploymentId: string): void {
    this.db.prepare("UPDATE executions SET finished_at = ?, outcome = 'lost' WHERE deployment_id = ?").run(this.clock.now().toISOString(), deploymentId);
  }

  async stopAll(): Promise<void> {
    const all = [...this.running.values()];
    for (const state of all) {
      state.cancelled = true;
      this.terminate(state);
    }
    await Promise.all(all.map((state) => new Promise((resolve) => (state.child.exitCode !== null ? resolve(null) : state.child.once('exit', resolve)))));
  }
}
