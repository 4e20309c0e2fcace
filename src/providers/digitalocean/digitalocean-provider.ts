import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import type { Machine, MachineSpec, Provider, ProviderTelemetry, SizePrices } from '../provider.js';
import { DoClient } from './do-client.js';
import type { DoAccount, DoDroplet } from './do-types.js';
import { DropletCreator } from './droplet-creator.js';
import { dropletToMachine } from './droplet-machine.js';
import { listAll } from './paginate.js';
import type { SharedBudget } from '../provider-module.js';
import { RateBudget } from './rate-budget.js';
import { joinInFlight } from '../../util/in-flight.js';

/** Settings of the DigitalOcean provider; frozen at construction. */
export interface DigitalOceanProviderOptions {
  token: string;
  /** API base without `/v2`; default https://api.digitalocean.com (the emulator's URL in tests). */
  apiUrl?: string;
  /** DROPLET_TAG: every droplet we make carries it, and list() is one call per 200 of them. */
  tag: string;
  size: string;
  /** Snapshot id (digits, sent as a number) or a public image slug. */
  image: string;
  /** Droplet names are `<namePrefix>-<serverId>`; default 'gs'. */
  namePrefix?: string;
  requestTimeoutMs: number;
  /** Extra tries for GET and DELETE; a create POST is never blindly retried. */
  maxRetries: number;
  /** Backoff base and cap (full jitter); defaults 500 ms and 30 s. */
  retryBaseMs?: number;
  retryMaxMs?: number;
  /** Per-token limits; defaults are DigitalOcean's 5,000/h and 250/min. */
  rateLimitPerHour?: number;
  burstPerMinute?: number;
  /** Longest a call waits for rate budget before failing with a retryable error; default 60 s. */
  maxRateWaitMs?: number;
  /**
   * Wait after an ambiguous create before looking by name (default 3000): a POST that timed
   * out on our side may still be landing, and lists lag new droplets by a few seconds.
   */
  createSettleMs?: number;
  extraTags?: string[];
  /** Told when a create is refused because the account's droplet limit is reached. */
  onLimitRefused?: (message: string) => void;
  /** Told when a delete is confirmed: the account has room for one more droplet. */
  onDropletGone?: () => void;
  /** How long the size price list is reused; default 6 h. */
  priceCacheMs?: number;
  /** The token's budget shared with other replicas (in the database); absent: this process's own only. */
  sharedBudget?: SharedBudget;
  clock: Clock;
  logger: Logger;
  /** Jitter source in [0, 1); injectable for deterministic tests. */
  random?: () => number;
}

/**
 * Machines are DigitalOcean droplets, made from the game's snapshot, owned by tag, named after
 * the server id. Create is idempotent (see DropletCreator); delete is confirmed by a GET,
 * because deletion is asynchronous and a 204 alone has been seen not to take.
 */
export class DigitalOceanProvider implements Provider {
  readonly name = 'digitalocean' as const;
  private readonly client: DoClient;
  private readonly budget: RateBudget;
  private readonly creator: DropletCreator;
  private readonly prefix: string;
  private readonly log: Logger;
  /** In-flight creates by server id: two at once would both find nothing and both POST. */
  private readonly creating = new Map<string, Promise<Machine>>();

  constructor(private readonly opts: Readonly<DigitalOceanProviderOptions>) {
    if (!opts.token) throw new Error('DigitalOceanProvider needs a token');
    this.prefix = opts.namePrefix ?? 'gs';
    this.log = opts.logger.child({ provider: 'digitalocean' });
    this.budget = new RateBudget({ clock: opts.clock, perHour: opts.rateLimitPerHour, perMinute: opts.burstPerMinute });
    this.client = new DoClient({
      token: opts.token,
      apiUrl: opts.apiUrl ?? 'https://api.digitalocean.com',
      requestTimeoutMs: opts.requestTimeoutMs,
      maxRetries: opts.maxRetries,
      retryBaseMs: opts.retryBaseMs ?? 500,
      retryMaxMs: opts.retryMaxMs ?? 30_000,
      maxRateWaitMs: opts.maxRateWaitMs ?? 60_000,
      budget: this.budget,
      shared: opts.sharedBudget && {
        budget: opts.sharedBudget,
        perMinute: opts.burstPerMinute ?? 250,
        perHour: opts.rateLimitPerHour ?? 5000,
      },
      clock: opts.clock,
      logger: this.log,
      random: opts.random ?? Math.random,
    });
    this.creator = new DropletCreator({
      client: this.client,
      clock: opts.clock,
      log: this.log,
      tag: opts.tag,
      namePrefix: this.prefix,
      size: opts.size,
      image: opts.image,
      extraTags: opts.extraTags ?? [],
      settleMs: opts.createSettleMs ?? 3000,
      onLimitRefused: opts.onLimitRefused,
    });
  }

  create(spec: MachineSpec): Promise<Machine> {
    return joinInFlight(this.creating, spec.serverId, () => this.creator.create(spec).then((d) => this.toMachine(d)));
  }

  async list(): Promise<Machine[]> {
    const droplets = await listAll<DoDroplet>(this.client, '/v2/droplets', 'droplets', { tag_name: this.opts.tag });
    // Items can shift between pages while we read; one entry per droplet.
    const byId = new Map<number, DoDroplet>();
    for (const d of droplets) if (d.status !== 'archive') byId.set(d.id, d);
    return [...byId.values()].map((d) => this.toMachine(d));
  }

  async get(providerId: string): Promise<Machine | null> {
    const droplet = await this.fetchDroplet(providerId, 'read');
    return droplet ? this.toMachine(droplet) : null;
  }

  /**
   * Adds our tag to a droplet made under another (the original service's `femquest-server`,
   * after DROPLET_TAG changed): list() shows it from then on. Both POSTs are idempotent; one
   * that fails is asked again by the next pass's lookup.
   */
  async adopt(providerId: string): Promise<void> {
    if (!isDropletId(providerId)) throw new Error(`not a droplet id: ${providerId}`);
    // Tagging with a tag that does not exist yet is a 404; POST /v2/tags answers 201 either way.
    await this.client.request({ method: 'POST', path: '/v2/tags', body: { name: this.opts.tag }, priority: 'create' });
    await this.client.request({
      method: 'POST',
      path: `/v2/tags/${encodeURIComponent(this.opts.tag)}/resources`,
      body: { resources: [{ resource_id: providerId, resource_type: 'droplet' }] },
      priority: 'create',
    });
  }

  async delete(providerId: string): Promise<'gone' | 'pending'> {
    if (!isDropletId(providerId)) return 'gone';
    const res = await this.client.request({
      method: 'DELETE',
      path: `/v2/droplets/${providerId}`,
      priority: 'delete',
      allowStatuses: [404, 422],
    });
    if (res.status === 422) {
      // "Droplet already has a pending event": still booting or busy; ask again later.
      this.log.info({ providerId }, 'delete refused while droplet is busy; will retry');
      return 'pending';
    }
    const still = await this.fetchDroplet(providerId, 'delete');
    if (still !== null) return 'pending';
    if (res.status !== 404) this.opts.onDropletGone?.();
    return 'gone';
  }

  /** Bounded: ends requests in flight, backoffs, rate-budget waits and create settles at once. */
  async close(): Promise<void> {
    this.client.close();
    this.budget.close();
  }

  /** The account's droplet_limit (GET /v2/account), asked once: start-up should not wait long on it. */
  async accountLimit(): Promise<{ limit: number; label: string } | null> {
    const res = await this.client.request<{ account?: DoAccount }>({
      method: 'GET',
      path: '/v2/account',
      priority: 'read',
      maxRetries: 1,
    });
    const limit = res.body.account?.droplet_limit;
    return typeof limit === 'number' && Number.isInteger(limit) && limit >= 0
      ? { limit, label: "the DigitalOcean account's droplet_limit" }
      : null;
  }

  telemetry(): ProviderTelemetry {
    return { calls: [...this.client.calls.values()], rateBudget: this.budget.stats() };
  }

  /**
   * Hourly prices from `/v2/sizes` (`price_hourly`, US dollars), fetched at most once per
   * priceCacheMs; a failed fetch keeps the last list (prices rarely change) and is retried
   * on the next call.
   */
  sizeFor(): string {
    return this.opts.size;
  }

  async prices(): Promise<SizePrices> {
    const now = this.opts.clock.now();
    const ttl = this.opts.priceCacheMs ?? 6 * 3_600_000;
    if (!this.priceCache || now - this.priceCache.atMs >= ttl) {
      try {
        const sizes = await listAll<{ slug: string; price_hourly: number }>(
          this.client,
          '/v2/sizes',
          'sizes',
          {},
          'read',
        );
        const hourlyUsd: Record<string, number> = {};
        for (const z of sizes)
          if (typeof z.price_hourly === 'number' && z.price_hourly >= 0) hourlyUsd[z.slug] = z.price_hourly;
        this.priceCache = { atMs: now, hourlyUsd };
      } catch (err) {
        if (!this.priceCache) throw err;
        this.log.warn({ err: (err as Error).message }, 'size prices unavailable; using the last list');
      }
    }
    return { currentSize: this.opts.size, hourlyUsd: this.priceCache.hourlyUsd };
  }
  private priceCache: { atMs: number; hourlyUsd: Record<string, number> } | null = null;

  apiBudgetLeft(): { minute: number; hour: number } {
    return this.budget.left();
  }

  private async fetchDroplet(providerId: string, priority: 'read' | 'delete'): Promise<DoDroplet | null> {
    if (!isDropletId(providerId)) return null;
    const res = await this.client.request<{ droplet: DoDroplet }>({
      method: 'GET',
      path: `/v2/droplets/${providerId}`,
      priority,
      allowStatuses: [404],
    });
    if (res.status === 404 || res.body.droplet.status === 'archive') return null;
    return res.body.droplet;
  }

  private toMachine(d: DoDroplet): Machine {
    return dropletToMachine(d, this.prefix);
  }
}

/** DigitalOcean droplet ids are integers; anything else cannot exist (and stays out of the URL). */
function isDropletId(id: string): boolean {
  return /^\d{1,20}$/.test(id);
}
