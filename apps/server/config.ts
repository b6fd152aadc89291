import { hostname } from 'node:os';
import { resolve } from 'node:path';
import { redactUrl } from '../../libs/shared/urls';

export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export type ServerConfig = {
  port: number;
  host: string;
  dataDir: string;
  logLevel: LogLevel;
  /** How long a query waits for projections to reach the events already acknowledged (read-your-writes). */
  consistencyTimeoutMs: number;
  /** On shutdown, requests still in flight get this long to finish before their connections are closed. */
  shutdownGraceMs: number;
  /** SHIPLOG_AUTH=off disables authentication, for local demos only. */
  authEnabled: boolean;
  /** SHIPLOG_ADMIN_TOKEN: a static admin token for automation (≥ 32 characters). */
  adminToken: string | undefined;
  /** SHIPLOG_SECRET_KEY: 32 bytes as 64 hex characters or base64; else a key file in the data dir. */
  secretKey: Buffer | undefined;
  metricsPublic: boolean;
  docsPublic: boolean;
  /** Requests per minute per token. */
  rateLimitPerMinute: number;
  /** Requests per minute per address on routes that need no token. */
  anonymousRateLimitPerMinute: number;
  /** Failed authentications per minute per address before it gets 429s. */
  authFailuresPerMinute: number;
  /** SHIPLOG_REACTORS=off runs no sagas, executors, timers or deliveries (maintenance, replays). */
  reactorsEnabled: boolean;
  /**
   * SHIPLOG_PROJECTION_WORKER=off applies events to the read models on the server's own thread. On by default
   * with the embedded stores (a worker thread of their own); the production adapters always run in-thread.
   */
  projectionWorker: boolean;
  /**
   * SHIPLOG_READ_MODEL_FSYNC=on fsyncs the embedded read models at WAL checkpoints. Off by default (Linux): they are
   * not fsync'd, and after an OS crash or power loss they are rebuilt from the event store at the next start.
   */
  readModelFsync: boolean;
  /** EVENTSTORE_URL (esdb://…): events in EventStoreDB instead of the embedded SQLite store. */
  eventStoreUrl: string | null;
  /** MONGODB_URL (mongodb://…, a replica set): read models in MongoDB instead of SQLite. */
  mongoUrl: string | null;
  /** SHIPLOG_INSTANCE_ID: this replica's name in the reactors lease (default host:pid). */
  instanceId: string;
  /** SHIPLOG_LEASE_TTL_MS: how long the active replica's lease lasts without renewal (renewed every third of it). */
  leaseTtlMs: number;
  /** The URL pipelines reach Shiplog at, named in executor webhooks. */
  publicUrl: string | null;
  /** Working directory of `command` executors. */
  executorCwd: string;
  /** SIGTERM → SIGKILL grace period when a command deployment is cancelled. */
  cancelGraceMs: number;
  /** How often the GitOps watcher looks for sources due for a poll (each polls every `interval` seconds). */
  gitopsTickMs: number;
  webhookMaxAttempts: number;
  webhookRetryBaseMs: number;
  artifactMaxBytes: number;
  /** Retention: artifact versions kept per product (besides what is deployed). */
  artifactKeepVersions: number;
  /** Slack is on when both the bot token and the signing secret are set. */
  slack: { botToken: string; signingSecret: string; apiUrl: string | undefined } | null;
};

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export class ConfigError extends Error {}

const integer = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return value;
};

const url = (name: string, raw: string | undefined, schemes: readonly string[]): string | null => {
  if (raw === undefined || raw === '') return null;
  if (!schemes.some((scheme) => raw.startsWith(`${scheme}//`))) throw new ConfigError(`${name} must start with ${schemes.map((s) => `${s}//`).join(' or ')}, got "${redactUrl(raw)}"`);
  return raw;
};

/** Reads the environment once at start; a bad value stops the start with a message naming the variable. */
const flag = (name: string, raw: string | undefined, fallback: boolean): boolean => {
  if (raw === undefined || raw === '') return fallback;
  if (['true', '1', 'on', 'yes'].includes(raw.toLowerCase())) return true;
  if (['false', '0', 'off', 'no'].includes(raw.toLowerCase())) return false;
  throw new ConfigError(`${name} must be true or false (or on/off), got "${raw}"`);
};

const secretKey = (raw: string | undefined): Buffer | undefined => {
  if (raw === undefined || raw === '') return undefined;
  const key = /^[0-9a-fA-F]{64}$/.test(raw) ? Buffer.from(raw, 'hex') : Buffer.from(raw, 'base64');
  if (key.length !== 32) throw new ConfigError('SHIPLOG_SECRET_KEY must be 32 bytes: 64 hex characters or base64 (e.g. `openssl rand -hex 32`)');
  return key;
};

const adminToken = (raw: string | undefined): string | undefined => {
  if (raw === undefined || raw === '') return undefined;
  if (raw.length < 32) throw new ConfigError('SHIPLOG_ADMIN_TOKEN must be at least 32 characters');
  return raw;
};

const slackConfig = (env: NodeJS.ProcessEnv): ServerConfig['slack'] => {
  const botToken = env['SLACK_BOT_TOKEN'] || undefined;
  const signingSecret = env['SLACK_SIGNING_SECRET'] || undefined;
  if (!botToken && !signingSecret) return null;
  if (!botToken || !signingSecret) throw new ConfigError('Slack needs both SLACK_BOT_TOKEN and SLACK_SIGNING_SECRET (or neither)');
  const apiUrl = env['SLACK_API_URL'] || undefined;
  return { botToken, signingSecret, apiUrl: apiUrl && !apiUrl.endsWith('/') ? `${apiUrl}/` : apiUrl };
};

export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ServerConfig => {
  const logLevel = (env['LOG_LEVEL'] ?? 'log').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    authEnabled: flag('SHIPLOG_AUTH', env['SHIPLOG_AUTH'], true),
    adminToken: adminToken(env['SHIPLOG_ADMIN_TOKEN']),
    secretKey: secretKey(env['SHIPLOG_SECRET_KEY']),
    metricsPublic: flag('SHIPLOG_METRICS_PUBLIC', env['SHIPLOG_METRICS_PUBLIC'], false),
    docsPublic: flag('SHIPLOG_DOCS_PUBLIC', env['SHIPLOG_DOCS_PUBLIC'], false),
    rateLimitPerMinute: integer('SHIPLOG_RATE_LIMIT_PER_MINUTE', env['SHIPLOG_RATE_LIMIT_PER_MINUTE'], 12_000, 1, 10_000_000),
    anonymousRateLimitPerMinute: integer('SHIPLOG_RATE_LIMIT_ANONYMOUS_PER_MINUTE', env['SHIPLOG_RATE_LIMIT_ANONYMOUS_PER_MINUTE'], 600, 1, 10_000_000),
    authFailuresPerMinute: integer('SHIPLOG_AUTH_FAILURES_PER_MINUTE', env['SHIPLOG_AUTH_FAILURES_PER_MINUTE'], 30, 1, 1_000_000),
    reactorsEnabled: flag('SHIPLOG_REACTORS', env['SHIPLOG_REACTORS'], true),
    projectionWorker: flag('SHIPLOG_PROJECTION_WORKER', env['SHIPLOG_PROJECTION_WORKER'], true),
    readModelFsync: flag('SHIPLOG_READ_MODEL_FSYNC', env['SHIPLOG_READ_MODEL_FSYNC'], false),
    publicUrl: env['SHIPLOG_PUBLIC_URL'] || null,
    eventStoreUrl: url('EVENTSTORE_URL', env['EVENTSTORE_URL'], ['esdb:', 'esdb+discover:']),
    mongoUrl: url('MONGODB_URL', env['MONGODB_URL'], ['mongodb:', 'mongodb+srv:']),
    instanceId: env['SHIPLOG_INSTANCE_ID'] || `${hostname()}:${process.pid}`,
    leaseTtlMs: integer('SHIPLOG_LEASE_TTL_MS', env['SHIPLOG_LEASE_TTL_MS'], 15_000, 300, 600_000),
    executorCwd: resolve(env['SHIPLOG_EXECUTOR_CWD'] ?? '.'),
    cancelGraceMs: integer('SHIPLOG_CANCEL_GRACE_MS', env['SHIPLOG_CANCEL_GRACE_MS'], 10_000, 0, 600_000),
    gitopsTickMs: integer('SHIPLOG_GITOPS_TICK_MS', env['SHIPLOG_GITOPS_TICK_MS'], 1_000, 50, 60_000),
    webhookMaxAttempts: integer('SHIPLOG_WEBHOOK_MAX_ATTEMPTS', env['SHIPLOG_WEBHOOK_MAX_ATTEMPTS'], 10, 1, 100),
    webhookRetryBaseMs: integer('SHIPLOG_WEBHOOK_RETRY_BASE_MS', env['SHIPLOG_WEBHOOK_RETRY_BASE_MS'], 1_000, 1, 3_600_000),
    slack: slackConfig(env),
    artifactMaxBytes: integer('SHIPLOG_ARTIFACT_MAX_BYTES', env['SHIPLOG_ARTIFACT_MAX_BYTES'], 512 * 1024 * 1024, 1, Number.MAX_SAFE_INTEGER),
    artifactKeepVersions: integer('SHIPLOG_ARTIFACT_KEEP_VERSIONS', env['SHIPLOG_ARTIFACT_KEEP_VERSIONS'], 10, 1, 10_000),
    port: integer('PORT', env['PORT'], 8080, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    dataDir: resolve(env['SHIPLOG_DATA_DIR'] ?? './data'),
    logLevel: logLevel as LogLevel,
    consistencyTimeoutMs: integer('SHIPLOG_CONSISTENCY_TIMEOUT_MS', env['SHIPLOG_CONSISTENCY_TIMEOUT_MS'], 2_000, 0, 60_000),
    shutdownGraceMs: integer('SHIPLOG_SHUTDOWN_GRACE_MS', env['SHIPLOG_SHUTDOWN_GRACE_MS'], 10_000, 0, 600_000),
  };
};

export const SERVER_CONFIG = Symbol('ServerConfig');
