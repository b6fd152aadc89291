import type { StrategyConfig } from './strategy.config';

/** Every command names the run: the lane and the deployment it belongs to. */
export type OnRun = { product: string; environment: string; deployment_id: string };

/** The deployment was dispatched with a (parsed) strategy: plan it and start its first step. */
export type StartStrategy = { type: 'StartStrategy'; data: OnRun & { version: string; strategy: StrategyConfig } };

/** The durable timer of the waiting step fired (saga). Starts that step unless the run is paused or its health is failing. */
export type StepDue = { type: 'StepDue'; data: OnRun & { step_index: number } };

/** The executor hook ran a step (saga): ok → step completed; failed → the run aborts and traffic rolls back. */
export type RecordStepResult = { type: 'RecordStepResult'; data: OnRun & { step_index: number; ok: boolean; detail?: string } };

/** A health probe's result (saga). `max_failed_checks` failures in a row abort the run and roll traffic back. */
export type RecordHealth = { type: 'RecordHealth'; data: OnRun & { healthy: boolean; detail: string } };

/** The executor hook restored the stable version (saga), after an abort: the run ends. */
export type RecordTrafficRollback = { type: 'RecordTrafficRollback'; data: OnRun & { detail?: string } };

/** Operator: hold at the current weight (the step in flight still finishes). */
export type PauseStrategy = { type: 'PauseStrategy'; data: OnRun & { reason?: string } };

/** Operator: continue; a step whose wait has passed starts at once. */
export type ResumeStrategy = { type: 'ResumeStrategy'; data: OnRun };

/** Operator: skip the remaining steps and go to the last one (100 %); also resumes a paused run. */
export type PromoteNow = { type: 'PromoteNow'; data: OnRun & { reason?: string } };

/** Operator: stop and roll traffic back to the stable version. */
export type AbortStrategy = { type: 'AbortStrategy'; data: OnRun & { reason?: string } };

export type StrategyCommand =
  | StartStrategy
  | StepDue
  | RecordStepResult
  | RecordHealth
  | RecordTrafficRollback
  | PauseStrategy
  | ResumeStrategy
  | PromoteNow
  | AbortStrategy;
