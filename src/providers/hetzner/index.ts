import type { Reader } from '../../config-reader.js';
import { HETZNER_BILLING } from '../../domain/billing-rule.js';
import type { ProviderContext, ProviderModule } from '../provider-module.js';
import { HetznerProvider } from './hetzner-provider.js';

/** PROVIDER=hetzner: Hetzner Cloud servers made from the game's snapshot, owned by a label. */
export interface HetznerSettings {
  token: string | null;
  apiUrl: string;
  labelKey: string;
  location: string;
  serverType: string;
  image: string | null;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseMs: number;
  retryMaxMs: number;
  createSettleMs: number;
  maxRateWaitMs: number;
  priceCacheS: number;
  usdPerPriceUnit: number;
}

/** A label key: `[prefix/]name`, name 1-63 letters, digits, `-`, `_`, `.` (docs.hetzner.cloud, "Labels"). */
const LABEL_KEY = /^([a-z0-9]([a-z0-9.-]{0,251}[a-z0-9])?\/)?[a-zA-Z0-9]([a-zA-Z0-9_.-]{0,61}[a-zA-Z0-9])?$/;

function readSettings(r: Reader, selected: boolean): HetznerSettings {
  const token = r.str('HCLOUD_TOKEN', '') || null;
  const image = r.str('HCLOUD_IMAGE', '') || null;
  if (selected) {
    if (!token) r.problem('HCLOUD_TOKEN is required with PROVIDER=hetzner');
    if (!image) r.problem('HCLOUD_IMAGE is required with PROVIDER=hetzner (the snapshot id, or an image name)');
  }
  const labelKey = r.str('HCLOUD_LABEL', 'game-orchestrator');
  if (!LABEL_KEY.test(labelKey)) r.bad('HCLOUD_LABEL', labelKey, 'a Hetzner label key: [prefix/]name');
  return {
    token,
    apiUrl: r.url('HCLOUD_API_URL', 'https://api.hetzner.cloud').replace(/\/+$/, ''),
    labelKey,
    location: r.str('HCLOUD_LOCATION', 'fsn1'),
    serverType: r.str('HCLOUD_SERVER_TYPE', 'cpx22'),
    image,
    requestTimeoutMs: r.int('HCLOUD_REQUEST_TIMEOUT_MS', 15_000, 1, 600_000),
    maxRetries: r.int('HCLOUD_MAX_RETRIES', 5, 0, 20),
    retryBaseMs: r.int('HCLOUD_RETRY_BASE_MS', 1000, 1, 600_000),
    retryMaxMs: r.int('HCLOUD_RETRY_MAX_MS', 30_000, 1, 3_600_000),
    createSettleMs: r.int('HCLOUD_CREATE_SETTLE_MS', 2000, 0, 600_000),
    maxRateWaitMs: r.int('HCLOUD_MAX_RATE_WAIT_MS', 60_000, 0, 3_600_000),
    priceCacheS: r.num('HCLOUD_PRICE_CACHE_S', 6 * 3600, 1, 30 * 86_400),
    usdPerPriceUnit: r.num('HCLOUD_USD_PER_PRICE_UNIT', 1, 0, 1000),
  };
}

function create(s: HetznerSettings, { clock, logger, capacity, sharedBudget }: ProviderContext): HetznerProvider {
  return new HetznerProvider({
    token: s.token ?? '',
    apiUrl: s.apiUrl,
    labelKey: s.labelKey,
    location: s.location,
    serverType: s.serverType,
    image: s.image ?? '',
    namePrefix: 'gs',
    requestTimeoutMs: s.requestTimeoutMs,
    maxRetries: s.maxRetries,
    retryBaseMs: s.retryBaseMs,
    retryMaxMs: s.retryMaxMs,
    createSettleMs: s.createSettleMs,
    maxRateWaitMs: s.maxRateWaitMs,
    priceCacheMs: s.priceCacheS * 1000,
    usdPerPriceUnit: s.usdPerPriceUnit,
    ...capacity,
    sharedBudget,
    clock,
    logger: logger.child({ component: 'hetzner' }),
  });
}

export const hetznerProvider = {
  name: 'hetzner',
  defaults: { bootTimeoutS: 600, bootEstimateS: 60 },
  billing: HETZNER_BILLING,
  readSettings,
  create,
  // A region is a Hetzner location; HCLOUD_LOCATION is the default one.
  defaultRegion: (s: HetznerSettings) => s.location,
} as const satisfies ProviderModule<'hetzner', HetznerSettings>;
