import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';

describe('loadConfig', () => {
  it('defaults: port 8000, SQLite at ./data/orchestrator.db, local provider, the original defaults', () => {
    const c = loadConfig({});
    expect(c.port).toBe(8000);
    expect(c.db).toEqual({ kind: 'sqlite', path: './data/orchestrator.db', defaultRegion: 'local' });
    expect(c.provider).toBe('local');
    expect(c.digitalocean.tag).toBe('femquest-server');
    expect(c.digitalocean.region).toBe('nyc3');
    expect(c.digitalocean.size).toBe('s-1vcpu-1gb');
    expect(c.hmac).toEqual({ key: null, maxSkewS: 300 });
    expect(Object.isFrozen(c) && Object.isFrozen(c.lifecycle)).toBe(true);
  });
  it('INTERNAL_HMAC_KEY wins over INTERNAL_HMAC_SECRET; an empty value counts as unset', () => {
    expect(loadConfig({ INTERNAL_HMAC_KEY: 'a', INTERNAL_HMAC_SECRET: 'b' }).hmac.key).toBe('a');
    expect(loadConfig({ INTERNAL_HMAC_KEY: '', INTERNAL_HMAC_SECRET: 'b' }).hmac.key).toBe('b');
    expect(loadConfig({ INTERNAL_HMAC_KEY: ' ', INTERNAL_HMAC_SECRET: '' }).hmac.key).toBeNull();
  });
  it('DATABASE_URL selects PostgreSQL', () => {
    expect(loadConfig({ DATABASE_URL: 'postgres://u@h/db' }).db).toEqual({
      kind: 'postgres',
      url: 'postgres://u@h/db',
      defaultRegion: 'local',
      pool: {
        max: 10,
        statementTimeoutMs: 30_000,
        connectionLifetimeS: 0,
        leaderTimeoutMs: 5000,
        connectTimeoutMs: 5000,
        queryTimeoutMs: 5000,
        preparedStatements: true,
      },
    });
  });
  it('the pg pool and the reconciler lock connection are configuration', () => {
    const env = {
      DATABASE_URL: 'postgres://u@h/db',
      PG_POOL_MAX: '25',
      PG_STATEMENT_TIMEOUT_MS: '0',
      PG_CONNECTION_LIFETIME_S: '900',
      PG_LEADER_TIMEOUT_MS: '2000',
      PG_CONNECT_TIMEOUT_MS: '700',
      PG_QUERY_TIMEOUT_MS: '0',
      PG_PREPARED_STATEMENTS: 'false',
    };
    expect(loadConfig(env).db).toMatchObject({
      pool: {
        max: 25,
        statementTimeoutMs: 0,
        connectionLifetimeS: 900,
        leaderTimeoutMs: 2000,
        connectTimeoutMs: 700,
        queryTimeoutMs: 0,
        preparedStatements: false,
      },
    });
    expect(() => loadConfig({ ...env, PG_POOL_MAX: '0' })).toThrow(/PG_POOL_MAX/);
    expect(() => loadConfig({ ...env, PG_STATEMENT_TIMEOUT_MS: 'soon' })).toThrow(/PG_STATEMENT_TIMEOUT_MS/);
  });
  it('names every bad variable in one message, never showing a secret', () => {
    let err: unknown;
    try {
      loadConfig({
        PORT: 'eighty',
        MAX_SERVERS: '-1',
        READINESS: 'maybe',
        RECYCLE_SERVERS: 'perhaps',
        PROVIDER: 'digitalocean',
        DO_API_URL: 'ftp://x',
      });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    const msg = (err as Error).message;
    for (const name of [
      'PORT',
      'MAX_SERVERS',
      'READINESS',
      'RECYCLE_SERVERS',
      'DIGITALOCEAN_TOKEN',
      'SNAPSHOT_ID',
      'DO_API_URL',
    ]) {
      expect(msg).toContain(name);
    }
  });
  it('reports a missing TLS file by name', () => {
    expect(() =>
      loadConfig({ INTERNAL_HMAC_MAX_SKEW_SECONDS: 'x', SSL_CERTFILE: '/nope/cert.pem', SSL_KEYFILE: '/nope/key.pem' }),
    ).toThrow(/SSL_CERTFILE: file not found/);
  });
  it("a request's deadline is its headers' and its body's, whatever a start may wait after it", () => {
    const c = loadConfig({ START_TIMEOUT_S: '90', HEADERS_TIMEOUT_MS: '4000', BODY_TIMEOUT_MS: '6000' });
    expect(c.limits.requestTimeoutMs).toBe(10_000);
    expect(loadConfig({ REQUEST_TIMEOUT_MS: '30000' }).limits.requestTimeoutMs).toBe(30_000);
    expect(() => loadConfig({ REQUEST_TIMEOUT_MS: '500', HEADERS_TIMEOUT_MS: '1000' })).toThrow(
      /REQUEST_TIMEOUT_MS \(500\) must be at least HEADERS_TIMEOUT_MS/,
    );
  });
  it('connection caps: on by default; per address off behind a proxy unless set', () => {
    expect(loadConfig({}).guard.connections).toEqual({
      maxConnections: 4096,
      perAddress: 512,
      healthReserve: 16,
      logIntervalMs: 60_000,
    });
    expect(loadConfig({ TRUST_PROXY: 'true' }).guard.connections.perAddress).toBe(0);
    expect(loadConfig({ TRUST_PROXY: 'true', MAX_CONNECTIONS_PER_ADDRESS: '50' }).guard.connections.perAddress).toBe(
      50,
    );
  });
});

describe('TRUST_PROXY', () => {
  const trust = (v: string) => loadConfig({ TRUST_PROXY: v }).trustProxy;
  it('false, true (one hop), a number of hops, or a list of proxy addresses and CIDRs', () => {
    expect(loadConfig({}).trustProxy).toBe(false);
    expect(trust('false')).toBe(false);
    expect(trust('0')).toBe(false);
    expect(trust('true')).toBe(1);
    expect(trust('2')).toBe(2);
    expect(trust('10.0.0.0/8, 192.0.2.7 ,2001:db8::/32,loopback')).toEqual([
      '10.0.0.0/8',
      '192.0.2.7',
      '2001:db8::/32',
      'loopback',
    ]);
  });
  it('names a bad entry', () => {
    for (const bad of ['10.0.0.0/33', 'example.com', '1.2.3.4/', '2001:db8::/129', '-1', '1.5']) {
      expect(() => trust(bad), bad).toThrow(/TRUST_PROXY=/);
    }
  });
});
