import { resolve } from 'node:path';

export type LogLevel = 'error' | 'warn' | 'log' | 'debug' | 'verbose';

export type ServerConfig = {
  port: number;
  host: string;
  dataDir: string;
  logLevel: LogLevel;
  /** How long a query waits for projections to reach the events already acknowledged (read-your-writes). */
  consistencyTimeoutMs: number;
};

const LOG_LEVELS: readonly LogLevel[] = ['error', 'warn', 'log', 'debug', 'verbose'];

export class ConfigError extends Error {}

const integer = (name: string, raw: string | undefined, fallback: number, min: number, max: number): number => {
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isInteger(value) || value < min || value > max) throw new ConfigError(`${name} must be an integer between ${min} and ${max}, got "${raw}"`);
  return value;
};

/** Reads the environment once at start; a bad value stops the start with a message naming the variable. */
export const loadConfig = (env: NodeJS.ProcessEnv = process.env): ServerConfig => {
  const logLevel = (env['LOG_LEVEL'] ?? 'log').toLowerCase();
  if (!LOG_LEVELS.includes(logLevel as LogLevel)) throw new ConfigError(`LOG_LEVEL must be one of ${LOG_LEVELS.join(', ')}, got "${logLevel}"`);
  return {
    port: integer('PORT', env['PORT'], 8080, 0, 65535),
    host: env['HOST'] ?? '0.0.0.0',
    dataDir: resolve(env['SHIPLOG_DATA_DIR'] ?? './data'),
    logLevel: logLevel as LogLevel,
    consistencyTimeoutMs: integer('SHIPLOG_CONSISTENCY_TIMEOUT_MS', env['SHIPLOG_CONSISTENCY_TIMEOUT_MS'], 2_000, 0, 60_000),
  };
};

export const SERVER_CONFIG = Symbol('ServerConfig');
