import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { regionCap, regionPoolPolicy } from '../../src/domain/region.js';

const DO = { PROVIDER: 'digitalocean', DIGITALOCEAN_TOKEN: 't', SNAPSHOT_ID: '1' };

function problems(env: Record<string, string>): string[] {
  try {
    loadConfig(env);
  } catch (err) {
    if (err instanceof ConfigError) return err.problems;
    throw err;
  }
  return [];
}

describe('loadConfig: regions', () => {
  it('without REGIONS, DigitalOcean has one region, DROPLET_REGION, timed at its speed-test host', () => {
    expect(loadConfig({ ...DO, DROPLET_REGION: 'ams3' }).regions).toEqual({
      placement: { msPerWaitS: 2, refusalCooldownS: 300 },
      names: ['ams3'],
      defaultRegion: 'ams3',
      maxServers: {},
      pingTargets: { ams3: 'https://speedtest-ams3.digitalocean.com/' },
      poolMinReady: {},
      poolBuffer: {},
    });
    expect(loadConfig(DO).regions.defaultRegion).toBe('nyc3');
  });

  it('without REGIONS, the local provider has one region, `local`, timed at the orchestrator', () => {
    expect(loadConfig({ PORT: '8123' }).regions).toEqual({
      placement: { msPerWaitS: 2, refusalCooldownS: 300 },
      names: ['local'],
      defaultRegion: 'local',
      maxServers: {},
      pingTargets: { local: 'http://127.0.0.1:8123/healthz' },
      poolMinReady: {},
      poolBuffer: {},
    });
  });

  it('REGIONS, REGION_MAX_SERVERS and REGION_PING_TARGETS: caps under MAX_SERVERS, overrides by region', () => {
    const c = loadConfig({
      ...DO,
      DROPLET_REGION: 'ams3',
      REGIONS: 'nyc3, ams3,sgp1',
      MAX_SERVERS: '8',
      REGION_MAX_SERVERS: 'nyc3=5,ams3=3',
      REGION_PING_TARGETS: 'sgp1=https://ping.example/sgp1',
      REGION_POOL_MIN_READY: 'nyc3=2',
      REGION_POOL_BUFFER: 'sgp1=1',
    });
    expect(c.regions).toEqual({
      placement: { msPerWaitS: 2, refusalCooldownS: 300 },
      names: ['nyc3', 'ams3', 'sgp1'],
      defaultRegion: 'ams3',
      maxServers: { nyc3: 5, ams3: 3 },
      pingTargets: {
        nyc3: 'https://speedtest-nyc3.digitalocean.com/',
        ams3: 'https://speedtest-ams3.digitalocean.com/',
        sgp1: 'https://ping.example/sgp1',
      },
      poolMinReady: { nyc3: 2 },
      poolBuffer: { sgp1: 1 },
    });
    expect(regionCap(c.regions, 'nyc3', 8)).toBe(5);
    expect(regionCap(c.regions, 'sgp1', 8)).toBe(8);
    expect(regionCap(c.regions, 'nyc3', 4)).toBe(4);
    expect(c.db.defaultRegion).toBe('ams3');
  });

  it('the local provider with REGIONS: the first listed is the default', () => {
    const c = loadConfig({ REGIONS: 'local-a,local-b' });
    expect(c.regions.names).toEqual(['local-a', 'local-b']);
    expect(c.regions.defaultRegion).toBe('local-a');
  });

  it.each([
    [{ ...DO, REGIONS: 'ams3,sgp1' }, /REGIONS \(ams3,sgp1\) must include the default region nyc3/],
    [{ REGIONS: 'Local A' }, /^REGIONS="Local A": expected region names/],
    [{ REGIONS: 'a,b,a' }, /^REGIONS="a,b,a": expected each region once/],
    [
      { REGIONS: 'a,b', REGION_POOL_MIN_READY: 'a=1' },
      /^REGION_POOL_MIN_READY="a=1": expected a region other than the default a/,
    ],
    [
      { REGIONS: 'a,b', REGION_POOL_BUFFER: 'b=x' },
      /^REGION_POOL_BUFFER="b=x": expected a whole number from 0 to MAX_SERVERS/,
    ],
    [{ REGIONS: 'a,b', REGION_MAX_SERVERS: 'c=1' }, /^REGION_MAX_SERVERS="c=1": expected a region of REGIONS \(a, b\)/],
    [
      { REGIONS: 'a,b', REGION_MAX_SERVERS: 'a=x' },
      /^REGION_MAX_SERVERS="a=x": expected a whole number from 0 to MAX_SERVERS/,
    ],
    [
      { MAX_SERVERS: '3', REGION_MAX_SERVERS: 'local=4' },
      /^REGION_MAX_SERVERS="local=4": expected a whole number from 0 to MAX_SERVERS \(3\)/,
    ],
    [{ REGION_MAX_SERVERS: 'local' }, /^REGION_MAX_SERVERS="local": expected region=value pairs/],
    [{ REGION_PING_TARGETS: 'local=ftp://x' }, /^REGION_PING_TARGETS="local=ftp:\/\/x": expected an http\(s\) URL/],
  ])('refuses %j, naming the variable', (env, message) => {
    expect(problems(env as Record<string, string>).some((p) => message.test(p))).toBe(true);
  });

  it("REGION_POOL_POLICY: a policy per region other than the default (POOL_POLICY's); freed servers recycle once any region forecasts", () => {
    const c = loadConfig({
      ...DO,
      DROPLET_REGION: 'nyc3',
      REGIONS: 'nyc3,ams3,sgp1',
      REGION_POOL_POLICY: 'sgp1=forecast',
    });
    expect(c.regions.poolPolicy).toEqual({ sgp1: 'forecast' });
    expect(c.pool.policy).toBe('fixed');
    expect(['nyc3', 'ams3', 'sgp1'].map((r) => regionPoolPolicy(c.regions, r, c.pool.policy))).toEqual([
      'fixed',
      'fixed',
      'forecast',
    ]);
    expect(c.lifecycle.recycleServers).toBe(true);
    const f = loadConfig({ ...DO, POOL_POLICY: 'forecast', REGIONS: 'nyc3,ams3', REGION_POOL_POLICY: 'ams3=fixed' });
    expect(['nyc3', 'ams3'].map((r) => regionPoolPolicy(f.regions, r, f.pool.policy))).toEqual(['forecast', 'fixed']);
    expect(loadConfig({ ...DO, REGIONS: 'nyc3,ams3' }).regions.poolPolicy).toBeUndefined();
    expect(loadConfig({ ...DO, REGIONS: 'nyc3,ams3' }).lifecycle.recycleServers).toBe(false);
    expect(problems({ ...DO, REGIONS: 'nyc3,ams3', REGION_POOL_POLICY: 'ams3=learned' })).toEqual([
      'REGION_POOL_POLICY="ams3=learned": expected fixed or forecast',
    ]);
    expect(problems({ ...DO, REGIONS: 'nyc3,ams3', REGION_POOL_POLICY: 'nyc3=forecast' })).toEqual([
      'REGION_POOL_POLICY="nyc3=forecast": expected a region other than the default nyc3 (set POOL_POLICY)',
    ]);
    expect(problems({ ...DO, REGIONS: 'nyc3,ams3', REGION_POOL_POLICY: 'fra1=fixed' })).toEqual([
      'REGION_POOL_POLICY="fra1=fixed": expected a region of REGIONS (nyc3, ams3)',
    ]);
  });

  it('REGION_PROVIDERS puts regions on another cloud: its settings become required, its regions are timed at its own targets', () => {
    const HZ = { HCLOUD_TOKEN: 'h', HCLOUD_IMAGE: '310000001' };
    const c = loadConfig({
      ...DO,
      ...HZ,
      DROPLET_REGION: 'nyc3',
      REGIONS: 'nyc3,fsn1',
      REGION_PROVIDERS: 'fsn1=hetzner',
    });
    expect(c.regions.providers).toEqual({ fsn1: 'hetzner' });
    expect(c.regions.pingTargets.nyc3).toBe('https://speedtest-nyc3.digitalocean.com/');
    expect(c.regions.pingTargets.fsn1).not.toContain('digitalocean');
    expect(loadConfig({ ...DO, DROPLET_REGION: 'nyc3' }).regions.providers).toBeUndefined();

    const missing = problems({ ...DO, REGIONS: 'nyc3,fsn1', REGION_PROVIDERS: 'fsn1=hetzner' });
    expect(missing.join('\n')).toMatch(/HCLOUD_TOKEN is required/);
    expect(missing.join('\n')).toMatch(/HCLOUD_IMAGE is required/);
    const bad = problems({
      ...DO,
      ...HZ,
      REGIONS: 'nyc3,fsn1',
      REGION_PROVIDERS: 'fsn1=linode,hel1=hetzner,nyc3=hetzner',
    });
    expect(bad.some((p) => p.includes('REGION_PROVIDERS') && p.includes('fsn1=linode'))).toBe(true);
    expect(bad.some((p) => p.includes('REGION_PROVIDERS') && p.includes('hel1=hetzner'))).toBe(true);
    expect(bad.some((p) => p.includes('default region nyc3'))).toBe(true);
  });
});
