import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { DoClient } from '../digitalocean/do-client.js';
import { listAll } from '../digitalocean/paginate.js';
import { RateBudget } from '../digitalocean/rate-budget.js';
import type { SharedBudget } from '../provider-module.js';
import type { Machine, MachineSpec, Provider, ProviderTelemetry, SizePrices } from '../provider.js';
import { HZ_PAGER, serverToMachine, type HzServer } from './hz-server.js';
import { ServerCreator } from './server-creator.js';
import { joinInFlight } from '../../util/in-flight.js';

/** Hetzner's default budget: 3600 requests an hour per project, refilled one a second. */
export const HZ_REQUESTS_PER_HOUR = 3600;

export interface HetznerProviderOptions {
  token: string;
  /** API base without `/v1`; default https://api.hetzner.cloud (the emulator's URL in tests). */
  apiUrl?: string;
  /** The label key every server we make carries (its value: the server id); list() selects by it. */
  labelKey: string;
  /** HCLOUD_LOCATION: the default region; the prices cost reports use are this location's. */
  location: string;
  serverType: string;
  /** Snapshot id (or an image name) the server is made from. */
  image: string;
  namePrefix?: string;
  requestTimeoutMs: number;
  maxRetries: number;
  retryBaseMs?: number;
  retryMaxMs?: number;
  maxRateWaitMs?: number;
  /** The project's budget per hour; default 3600. */
  rateLimitPerHour?: number;
  /** Wait between looks by name after an unknown create; default 2000. */
  createSettleMs?: number;
  /** Looks by name after a 409 for a server lists do not show yet; default 5. */
  createLookups?: number;
  /** Price in US dollars of one unit of the project's currency (Hetzner prices in EUR for most); default 1. */
  usdPerPriceUnit?: number;
  priceCacheMs?: number;
  onLimitRefused?: (message: string) => void;
  onDropletGone?: () => void;
  sharedBudget?: SharedBudget;
  clock: Clock;
  logger: Logger;
  random?: () => number;
}

/**
 * Machines are Hetzner Cloud servers, made from the game's snapshot in one location, owned by
 * a label (listed with `label_selector`), named after the server id — names are unique per
 * project, which makes a create idempotent (ServerCreator). Delete is confirmed by a GET.
 */
export class HetznerProvider implements Provider {
  readonly name = 'hetzner' as const;
  private readonly client: DoClient;
  private readonly budget: RateBudget;
  private readonly creator: ServerCreator;
  private readonly prefix: string;
  private readonly log: Logger;
  private readonly creating = new Map<string, Promise<Machine>>();
  private priceCache: { atMs: number; hourlyUsd: Record<string, number> } | null = null;

  constructor(private readonly opts: Readonly<HetznerProviderOptions>) {
    if (!opts.token) throw new Error('HetznerProvider needs a token');
    this.prefix = opts.namePrefix ?? 'gs';
    this.log = opts.logger.child({ provider: 'hetzner' });
    const perHour = opts.rateLimitPerHour ?? HZ_REQUESTS_PER_HOUR;
    // No per-minute limit: bursts are allowed. The sliding hour is stricter than the bucket.
    this.budget = new RateBudget({ clock: opts.clock, perHour, perMinute: perHour, refillPerS: perHour / 3600 });
    this.client = new DoClient({
      token: opts.token,
      apiUrl: opts.apiUrl ?? 'https://api.hetzner.cloud',
      label: 'hetzner',
      requestTimeoutMs: opts.requestTimeoutMs,
      maxRetries: opts.maxRetries,
      retryBaseMs: opts.retryBaseMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
      maxRateWaitMs: opts.maxRateWaitMs ?? 60_000,
      budget: this.budget,
      shared: opts.sharedBudget && { budget: opts.sharedBudget, perMinute: perHour, perHour },
      clock: opts.clock,
      logger: this.log,
      random: opts.random ?? Math.random,
    });
    this.creator = new ServerCreator({
      client: this.client,
      clock: opts.clock,
      log: this.log,
      labelKey: opts.labelKey,
      namePrefix: this.prefix,
      serverType: opts.serverType,
      image: opts.image,
      settleMs: opts.createSettleMs ?? 2000,
      lookups: opts.createLookups ?? 5,
      onLimitRefused: opts.onLimitRefused,
    });
  }

  create(spec: MachineSpec): Promise<Machine> {
    return joinInFlight(this.creating, spec.serverId, () => this.creator.create(spec).then((s) => this.toMachine(s)));
  }

  async list(): Promise<Machine[]> {
    const servers = await listAll<HzServer>(
      this.client,
      '/v1/servers',
      'servers',
      { label_selector: this.opts.labelKey },
      'read',
      HZ_PAGER,
    );
    const byId = new Map<number, HzServer>();
    for (const s of servers) byId.set(s.id, s);
    return [...byId.values()].map((s) => this.toMachine(s));
  }

  async get(providerId: string): Promise<Machine | null> {
    const s = await this.fetchServer(providerId, 'read');
    return s ? this.toMachine(s) : null;
  }

  async delete(providerId: string): Promise<'gone' | 'pending'> {
    if (!isServerId(providerId)) return 'gone';
    const res = await this.client.request({
      method: 'DELETE',
      path: `/v1/servers/${providerId}`,
      priority: 'delete',
      allowStatuses: [404, 423],
    });
    if (res.status === 423) {
      // `locked`: another action (the create) is still running; ask again later.
      this.log.info({ providerId }, 'delete refused while the server is locked; will retry');
      return 'pending';
    }
    if ((await this.fetchServer(providerId, 'delete')) !== null) return 'pending';
    if (res.status !== 404) this.opts.onDropletGone?.();
    return 'gone';
  }

  async close(): Promise<void> {
    this.client.close();
    this.budget.close();
  }

  telemetry(): ProviderTelemetry {
    return { calls: [...this.client.calls.values()], rateBudget: this.budget.stats() };
  }

  /**
   * Hourly prices of every server type in our location, from GET /v1/server_types (`prices[]`
   * per location, `price_hourly.net` as a decimal string in the project's currency), times
   * usdPerPriceUnit; cached like DigitalOcean's, the last list kept when a fetch fails.
   */
  sizeFor(): string {
    return this.opts.serverType;
  }

  async prices(): Promise<SizePrices> {
    const now = this.opts.clock.now();
    if (!this.priceCache || now - this.priceCache.atMs >= (this.opts.priceCacheMs ?? 6 * 3_600_000)) {
      try {
        const types = await listAll<HzServerType>(
          this.client,
          '/v1/server_types',
          'server_types',
          {},
          'read',
          HZ_PAGER,
        );
        const rate = this.opts.usdPerPriceUnit ?? 1;
        const hourlyUsd: Record<string, number> = {};
        for (const t of types) {
          const net = Number(t.prices?.find((p) => p.location === this.opts.location)?.price_hourly?.net);
          if (Number.isFinite(net) && net >= 0) hourlyUsd[t.name] = net * rate;
        }
        this.priceCache = { atMs: now, hourlyUsd };
      } catch (err) {
        if (!this.priceCache) throw err;
        this.log.warn({ err: (err as Error).message }, 'server type prices unavailable; using the last list');
      }
    }
    return { currentSize: this.opts.serverType, hourlyUsd: this.priceCache.hourlyUsd };
  }

  apiBudgetLeft(): { minute: number; hour: number } {
    return this.budget.left();
  }

  private async fetchServer(providerId: string, priority: 'read' | 'delete'): Promise<HzServer | null> {
    if (!isServerId(providerId)) return null;
    const res = await this.client.request<{ server: HzServer }>({
      method: 'GET',
      path: `/v1/servers/${providerId}`,
      priority,
      allowStatuses: [404],
    });
    return res.status === 404 ? null : res.body.server;
  }

  private toMachine(s: HzServer): Machine {
    return serverToMachine(s, this.prefix, this.opts.labelKey);
  }
}

interface HzServerType {
  name: string;
  prices?: { location: string; price_hourly?: { net?: string } }[];
}

/** Hetzner server ids are integers; anything else cannot exist (and stays out of the URL). */
function isServerId(id: string): boolean {
  return /^\d{1,20}$/.test(id);
}
