import type { Reader } from './config-reader.js';
import { REGION_NAME, type PlacementSettings, type PoolPolicyName, type RegionSettings } from './domain/region.js';

/** What the selected provider says about regions (see ProviderModule.defaultRegion, pingTarget). */
export interface ProviderRegionDefaults {
  defaultRegion(listed: readonly string[]): string;
  pingTarget(region: string): string | null;
}

/**
 * REGIONS (the fleet's regions; default: the provider's default region alone), REGION_MAX_SERVERS
 * (`nyc3=5,ams3=3`, each under MAX_SERVERS) and REGION_PING_TARGETS (`nyc3=https://…`, overriding
 * the provider's target), REGION_POOL_MIN_READY and REGION_POOL_BUFFER (`ams3=2`: the warm pool of
 * a region other than the default) and REGION_POOL_POLICY (`ams3=forecast`: its policy, else
 * POOL_POLICY's). A bad value is a problem naming its variable.
 */
export function readRegionSettings(
  r: Reader,
  provider: ProviderRegionDefaults,
  opts: { maxServers: number; publicUrl: string; regionProviders?: Readonly<Record<string, string>> },
): RegionSettings {
  const listed = r.list('REGIONS');
  for (const name of listed) if (!REGION_NAME.test(name)) r.bad('REGIONS', name, 'region names (a-z, 0-9 and -)');
  if (new Set(listed).size !== listed.length) r.bad('REGIONS', listed.join(','), 'each region once');
  const defaultRegion = provider.defaultRegion(listed);
  const names = listed.length > 0 ? listed : [defaultRegion];
  if (!names.includes(defaultRegion))
    r.problem(
      `REGIONS (${listed.join(',')}) must include the default region ${defaultRegion} (DROPLET_REGION with PROVIDER=digitalocean)`,
    );
  const maxServers: Record<string, number> = {};
  for (const [region, value] of readPairs(r, 'REGION_MAX_SERVERS', names)) {
    const n = Number(value);
    if (!/^\d+$/.test(value) || n > opts.maxServers)
      r.bad('REGION_MAX_SERVERS', `${region}=${value}`, `a whole number from 0 to MAX_SERVERS (${opts.maxServers})`);
    else maxServers[region] = n;
  }
  const overrides = new Map(readPairs(r, 'REGION_PING_TARGETS', names));
  const pingTargets: Record<string, string> = {};
  for (const region of names) {
    const url = overrides.get(region) ?? provider.pingTarget(region) ?? `${opts.publicUrl}/healthz`;
    if (!isHttpUrl(url)) r.bad('REGION_PING_TARGETS', `${region}=${url}`, 'an http(s) URL');
    pingTargets[region] = url;
  }
  const providers = opts.regionProviders ?? {};
  for (const region of Object.keys(providers)) {
    if (!names.includes(region))
      r.bad('REGION_PROVIDERS', `${region}=${providers[region]}`, `a region of REGIONS (${names.join(', ')})`);
    if (region === defaultRegion)
      r.problem(`REGION_PROVIDERS: the default region ${defaultRegion} is PROVIDER's; name only the other regions`);
  }
  const onOther = Object.keys(providers).length > 0 ? { providers } : {};
  const poolMinReady = readCounts(r, 'REGION_POOL_MIN_READY', names, defaultRegion, opts.maxServers);
  const poolBuffer = readCounts(r, 'REGION_POOL_BUFFER', names, defaultRegion, opts.maxServers);
  const policies = readPolicies(r, names, defaultRegion);
  const poolPolicy = Object.keys(policies).length > 0 ? { poolPolicy: policies } : {};
  const placement = readPlacementSettings(r);
  return {
    names,
    defaultRegion,
    maxServers,
    pingTargets,
    poolMinReady,
    poolBuffer,
    ...onOther,
    ...poolPolicy,
    placement,
  };
}

/**
 * REGION_PROVIDERS (`fsn1=hetzner,nyc3=digitalocean`): regions on another provider than PROVIDER,
 * read before the providers' settings (each provider named there must be fully configured).
 */
export function readRegionProviders<P extends string>(r: Reader, known: readonly P[]): Record<string, P> {
  const out: Record<string, P> = {};
  for (const entry of r.list('REGION_PROVIDERS')) {
    const at = entry.indexOf('=');
    const region = at > 0 ? entry.slice(0, at).trim() : '';
    const name = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!region || !REGION_NAME.test(region) || !(known as readonly string[]).includes(name))
      r.bad('REGION_PROVIDERS', entry, `region=provider pairs, the provider one of ${known.join(', ')}`);
    else out[region] = name as P;
  }
  return out;
}

/**
 * `ams3=2,nyc3=1`: a warm pool per region other than the default one (whose pool is
 * POOL_MIN_READY / POOL_BUFFER, so one setting never means two things).
 */
function readCounts(r: Reader, name: string, names: readonly string[], dflt: string, max: number) {
  const out: Record<string, number> = {};
  for (const [region, value] of readPairs(r, name, names)) {
    if (region === dflt) r.bad(name, `${region}=${value}`, `a region other than the default ${dflt} (set POOL_*)`);
    else if (!/^\d+$/.test(value) || Number(value) > max)
      r.bad(name, `${region}=${value}`, `a whole number from 0 to MAX_SERVERS (${max})`);
    else out[region] = Number(value);
  }
  return out;
}

/** `sgp1=forecast,ams3=fixed`: a pool policy per region other than the default one (whose policy is POOL_POLICY). */
function readPolicies(r: Reader, names: readonly string[], dflt: string): Record<string, PoolPolicyName> {
  const out: Record<string, PoolPolicyName> = {};
  for (const [region, value] of readPairs(r, 'REGION_POOL_POLICY', names)) {
    if (region === dflt)
      r.bad('REGION_POOL_POLICY', `${region}=${value}`, `a region other than the default ${dflt} (set POOL_POLICY)`);
    else if (value !== 'fixed' && value !== 'forecast')
      r.bad('REGION_POOL_POLICY', `${region}=${value}`, 'fixed or forecast');
    else out[region] = value;
  }
  return out;
}

/** PLACEMENT_MS_PER_WAIT_S and REGION_REFUSAL_COOLDOWN_S (issue 23). */
export function readPlacementSettings(r: Reader): PlacementSettings {
  return {
    msPerWaitS: r.num('PLACEMENT_MS_PER_WAIT_S', 2, 0, 100_000),
    refusalCooldownS: r.num('REGION_REFUSAL_COOLDOWN_S', 300, 0, 86_400),
  };
}

/** `a=1,b=2` → [['a','1'], ['b','2']], each key one of `regions` (else a problem naming the variable). */
function readPairs(r: Reader, name: string, regions: readonly string[]): [string, string][] {
  const out: [string, string][] = [];
  for (const entry of r.list(name)) {
    const at = entry.indexOf('=');
    const key = at > 0 ? entry.slice(0, at).trim() : '';
    const value = at > 0 ? entry.slice(at + 1).trim() : '';
    if (!key || !value) r.bad(name, entry, 'region=value pairs separated by commas');
    else if (!regions.includes(key)) r.bad(name, entry, `a region of REGIONS (${regions.join(', ')})`);
    else out.push([key, value]);
  }
  return out;
}

function isHttpUrl(v: string): boolean {
  try {
    const u = new URL(v);
    return u.protocol === 'http:' || u.protocol === 'https:';
  } catch {
    return false;
  }
}
