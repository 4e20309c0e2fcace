import type { Reader } from '../../config-reader.js';
import { DIGITALOCEAN_BILLING } from '../../domain/billing-rule.js';
import type { ProviderContext, ProviderModule } from '../provider-module.js';
import { DigitalOceanProvider } from './digitalocean-provider.js';

/** PROVIDER=digitalocean: droplets made from the game's snapshot (the original's variables). */
export interface DigitalOceanSettings {
  token: string | null;
  apiUrl: string;
  tag: string;
  /** DROPLET_REGION: the default region (the original routes start there). */
  region: string;
  size: string;
  image: string | null;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  /** After an ambiguous create, wait this long before looking for the droplet by name. */
  createSettleMs: number;
  /** Longest a call waits for rate budget before failing (retryably). */
  maxRateWaitMs: number;
  /** How long the size price list (for cost reports) is reused. */
  priceCacheS: number;
}

function readSettings(r: Reader, selected: boolean): DigitalOceanSettings {
  const token = r.str('DIGITALOCEAN_TOKEN', '') || null;
  const image = r.str('SNAPSHOT_ID', '') || null;
  if (selected) {
    if (!token) r.problem('DIGITALOCEAN_TOKEN is required with PROVIDER=digitalocean');
    if (!image) r.problem('SNAPSHOT_ID is required with PROVIDER=digitalocean (a snapshot id or an image slug)');
  }
  const tag = r.str('DROPLET_TAG', 'femquest-server');
  if (!/^[a-zA-Z0-9_\-:]{1,255}$/.test(tag)) r.bad('DROPLET_TAG', tag, 'letters, digits, _, - and : only');
  return {
    token,
    apiUrl: r.url('DO_API_URL', 'https://api.digitalocean.com').replace(/\/+$/, ''),
    tag,
    region: r.str('DROPLET_REGION', 'nyc3'),
    size: r.str('DROPLET_SIZE', 's-1vcpu-1gb'),
    image,
    requestTimeoutMs: r.int('DO_REQUEST_TIMEOUT_MS', 15_000, 1, 600_000),
    maxRetries: r.int('DO_MAX_RETRIES', 5, 0, 20),
    retryBaseMs: r.int('DO_RETRY_BASE_MS', 1000, 1, 600_000),
    retryMaxMs: r.int('DO_RETRY_MAX_MS', 30_000, 1, 3_600_000),
    createSettleMs: r.int('DO_CREATE_SETTLE_MS', 3000, 0, 600_000),
    maxRateWaitMs: r.int('DO_MAX_RATE_WAIT_MS', 60_000, 0, 3_600_000),
    priceCacheS: r.num('DO_PRICE_CACHE_S', 6 * 3600, 1, 30 * 86_400),
  };
}

function create(
  s: DigitalOceanSettings,
  { clock, logger, capacity, sharedBudget }: ProviderContext,
): DigitalOceanProvider {
  return new DigitalOceanProvider({
    token: s.token ?? '',
    apiUrl: s.apiUrl,
    tag: s.tag,
    size: s.size,
    image: s.image ?? '',
    namePrefix: 'gs',
    requestTimeoutMs: s.requestTimeoutMs,
    maxRetries: s.maxRetries,
    retryBaseMs: s.retryBaseMs,
    retryMaxMs: s.retryMaxMs,
    createSettleMs: s.createSettleMs,
    maxRateWaitMs: s.maxRateWaitMs,
    ...capacity,
    priceCacheMs: s.priceCacheS * 1000,
    sharedBudget,
    clock,
    logger: logger.child({ component: 'digitalocean' }),
  });
}

export const digitaloceanProvider = {
  name: 'digitalocean',
  defaults: { bootTimeoutS: 600, bootEstimateS: 60 },
  billing: DIGITALOCEAN_BILLING,
  readSettings,
  create,
  defaultRegion: (s: DigitalOceanSettings) => s.region,
  // DigitalOcean serves a speed-test host in each region (speedtest-nyc3.digitalocean.com, …).
  pingTarget: (region: string) => `https://speedtest-${region}.digitalocean.com/`,
} as const satisfies ProviderModule<'digitalocean', DigitalOceanSettings>;
