import { ConfigError, loadConfig } from './config';

describe('production profile configuration', () => {
  it('uses the embedded stores unless EVENTSTORE_URL / MONGODB_URL are set', () => {
    expect(loadConfig({})).toMatchObject({ eventStoreUrl: null, mongoUrl: null, leaseTtlMs: 15_000 });
    const config = loadConfig({ EVENTSTORE_URL: 'esdb+discover://es.internal:2113', MONGODB_URL: 'mongodb://m1,m2/shiplog?replicaSet=rs0', SHIPLOG_INSTANCE_ID: 'web-1', SHIPLOG_LEASE_TTL_MS: '5000' });
    expect(config).toMatchObject({ eventStoreUrl: 'esdb+discover://es.internal:2113', mongoUrl: 'mongodb://m1,m2/shiplog?replicaSet=rs0', instanceId: 'web-1', leaseTtlMs: 5_000 });
    expect(loadConfig({}).instanceId).toMatch(/:\d+$/);
  });

  it('refuses URLs of another scheme, naming the variable and the accepted schemes, without printing passwords', () => {
    expect(() => loadConfig({ EVENTSTORE_URL: 'http://admin:changeit@es:2113' })).toThrow(ConfigError);
    expect(() => loadConfig({ EVENTSTORE_URL: 'http://admin:changeit@es:2113' })).toThrow('EVENTSTORE_URL must start with esdb:// or esdb+discover://, got "http://***@es:2113"');
    expect(() => loadConfig({ MONGODB_URL: 'postgres://u:secret@db/x' })).toThrow(/MONGODB_URL must start with mongodb:\/\/ or mongodb\+srv:\/\/, got "postgres:\/\/\*\*\*@db\/x"/);
    expect(() => loadConfig({ SHIPLOG_LEASE_TTL_MS: '10' })).toThrow(/SHIPLOG_LEASE_TTL_MS must be an integer between 300/);
  });
});

describe('embedded read models', () => {
  it('are not fsync\'d unless SHIPLOG_READ_MODEL_FSYNC is on, and a bad value names the variable', () => {
    expect(loadConfig({}).readModelFsync).toBe(false);
    expect(loadConfig({ SHIPLOG_READ_MODEL_FSYNC: 'on' }).readModelFsync).toBe(true);
    expect(() => loadConfig({ SHIPLOG_READ_MODEL_FSYNC: 'sometimes' })).toThrow('SHIPLOG_READ_MODEL_FSYNC must be true or false (or on/off), got "sometimes"');
  });
});
