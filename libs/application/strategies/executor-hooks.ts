import type { StrategyRun } from '../../domain/strategies/strategy.decider';
import type { StrategyStep } from '../../domain/strategies/strategy.plan';
import { deterministicEventId } from '../../event-store/ids';
import type { CommandJob } from '../../executors/command-runner';
import { probe } from '../../executors/health-probe';
import type { ExecutorDeps } from '../deployments/executor.reactor';
import type { EnvironmentSettingsService } from '../environments/environment-settings.service';
import type { HealthProber, HookOutcome, StrategyHooks } from './strategy.saga';

/** What a step's hook is told, as environment variables (command executor) or in the webhook payload (external). */
export const stepEnvironment = (run: StrategyRun, step: StrategyStep): Record<string, string> => ({
  SHIPLOG_STRATEGY: run.strategy.name,
  SHIPLOG_STEP: String(step.index + 1),
  SHIPLOG_STEP_COUNT: String(run.plan.length),
  SHIPLOG_STEP_KIND: step.kind,
  SHIPLOG_TRAFFIC_PERCENT: String(step.traffic_percent),
  ...(step.batch
    ? { SHIPLOG_BATCH: `${step.batch.number}/${step.batch.of}`, SHIPLOG_BATCH_SIZE: String(step.batch.size), SHIPLOG_INSTANCES_UPDATED: `${step.batch.updated}/${step.batch.total}` }
    : {}),
});

/** The traffic rollback after an abort: all traffic back on the stable version. */
export const rollbackEnvironment = (run: StrategyRun, fromPercent: number): Record<string, string> => ({
  SHIPLOG_STRATEGY: run.strategy.name,
  SHIPLOG_STEP: 'rollback',
  SHIPLOG_STEP_COUNT: String(run.plan.length),
  SHIPLOG_STEP_KIND: 'rollback',
  SHIPLOG_TRAFFIC_PERCENT: '0',
  SHIPLOG_ROLLBACK_FROM_PERCENT: String(fromPercent),
});

export type ExecutorHookDeps = Pick<ExecutorDeps, 'settings' | 'variables' | 'runner' | 'outbox' | 'clock' | 'publicUrl'>;

const settle = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/**
 * Steps run through the environment's executor: a `command` executor runs its command once per step with the step
 * in SHIPLOG_STEP / SHIPLOG_TRAFFIC_PERCENT / SHIPLOG_BATCH…; an `external` one gets a signed
 * `deployment.step_requested` webhook and reports back with `POST /api/v1/deployments/:id/step-results`.
 */
export const executorHooks = (deps: ExecutorHookDeps): StrategyHooks => {
  const run = async (strategyRun: StrategyRun, env: Record<string, string>, key: string): Promise<HookOutcome> => {
    const { executor } = await deps.settings.settings(strategyRun.environment);
    const deployment = { id: strategyRun.deployment_id, product: strategyRun.product, environment: strategyRun.environment, version: strategyRun.version, isRollback: false };
    if (executor.type === 'command') {
      // An abort stops the step in flight first: the rollback waits for that process to exit.
      for (let waited = 0; deps.runner.isRunning(deployment.id) && waited < 60_000; waited += 100) await settle(100);
      const { values, secrets } = await deps.variables.resolveWithSecrets(strategyRun.environment, strategyRun.product);
      const job: Omit<CommandJob, 'verify'> = { deployment, command: executor.command, timeoutSeconds: executor.timeout_seconds, variables: values, secrets };
      const outcome = await deps.runner.runStep(job, env);
      const what = env['SHIPLOG_STEP'] === 'rollback' ? 'traffic rollback' : `step ${env['SHIPLOG_STEP']} of ${env['SHIPLOG_STEP_COUNT']} (${env['SHIPLOG_TRAFFIC_PERCENT']} %)`;
      return outcome.status === 'completed' ? { ok: true, detail: `${what} done` } : { ok: false, detail: outcome.error ?? outcome.status };
    }
    if (executor.webhook_url) {
      const payload = {
        type: 'deployment.step_requested',
        deployment: { id: deployment.id, product: deployment.product, environment: deployment.environment, version: deployment.version },
        step: env,
        report_to: deps.publicUrl ? `${deps.publicUrl.replace(/\/$/, '')}/api/v1/deployments/${deployment.id}/step-results` : null,
        occurred_at: deps.clock.now().toISOString(),
      };
      const deliveryId = deterministicEventId(`strategy:${deployment.id}:${key}`, 0);
      deps.outbox.enqueue(
        { delivery_id: deliveryId, target: `executor:${deployment.environment}`, event_id: deliveryId, event_type: 'deployment.step_requested', url: executor.webhook_url, payload: JSON.stringify(payload), sealed_secret: executor.webhook_secret?.ciphertext ?? null },
        deps.clock.now(),
      );
    }
    return null; // the pipeline reports the step through the API
  };
  return {
    // One request per step: a pause and resume while the pipeline runs it must not ask again.
    runStep: (strategyRun, step) => run(strategyRun, stepEnvironment(strategyRun, step), `step-${step.index}`),
    rollbackTraffic: (strategyRun, fromPercent) => run(strategyRun, rollbackEnvironment(strategyRun, fromPercent), 'rollback'),
    stop: (deploymentId) => void deps.runner.cancel(deploymentId),
  };
};

/** A probe runs inside the strategy reactor at a step's gate: however long the configured timeout, it waits at most this. */
const PROBE_TIMEOUT_CAP_MS = 30_000;

/**
 * Probes the new version: canary and blue-green GET `health_check_url`; rolling GETs `health_check.path` on the
 * environment's URL, giving up after `health_check.timeout`. Healthy means HTTP 200.
 */
export const strategyProbe =
  (settings: EnvironmentSettingsService): HealthProber =>
  async (run) => {
    const strategy = run.strategy;
    const target =
      strategy.name === 'rolling'
        ? strategy.health_check && { path: strategy.health_check.path, timeoutMs: Math.min(PROBE_TIMEOUT_CAP_MS, strategy.health_check.timeout * 1000) }
        : strategy.name === 'direct'
          ? undefined
          : strategy.health_check_url && { url: strategy.health_check_url, timeoutMs: 5_000 };
    if (!target) return { healthy: true, detail: 'no health check configured' };
    let url: string;
    if ('url' in target) url = target.url;
    else {
      const base = (await settings.settings(run.environment)).url;
      if (!base) return { healthy: false, detail: `environment ${run.environment} has no url to probe ${target.path} on` };
      url = new URL(target.path, base).toString();
    }
    const observation = await probe({ url, timeout_ms: target.timeoutMs, expect_status: 200, interval_seconds: 0, verify_window_seconds: 0 });
    return { healthy: observation.status === 'healthy', detail: observation.detail };
  };
