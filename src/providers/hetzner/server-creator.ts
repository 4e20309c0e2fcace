import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import { buildUserData } from '../digitalocean/cloud-init.js';
import type { DoClient } from '../digitalocean/do-client.js';
import { listAll } from '../digitalocean/paginate.js';
import type { MachineSpec } from '../provider.js';
import { machineName, ProviderError } from '../provider.js';
import { HZ_PAGER, type HzServer } from './hz-server.js';

/** Hetzner limits user_data to 32 KiB (create_server_request.user_data). */
const MAX_USER_DATA_BYTES = 32 * 1024;

export interface ServerCreatorOptions {
  client: DoClient;
  clock: Clock;
  log: Logger;
  labelKey: string;
  namePrefix: string;
  serverType: string;
  image: string;
  /** Wait after an ambiguous POST (or a 409 for a server lists do not show yet) before looking by name. */
  settleMs: number;
  /** Looks by name after an unknown outcome before giving up (lists can lag a new server). */
  lookups: number;
  onLimitRefused?: (message: string) => void;
}

/** POSTs for one create: a name is unique per project, so another POST can never make a second server. */
const MAX_CREATE_POSTS = 3;

/**
 * Idempotent server creation. Hetzner server names are unique per project, so the server's
 * name is the idempotency key: look for it; POST; after an unknown outcome (timeout, dropped
 * connection, 5xx, 429) look again and POST again only if nothing is there — a POST whose
 * first try did land answers 409 `uniqueness_error`, and the server of that name is adopted.
 */
export class ServerCreator {
  constructor(private readonly opts: ServerCreatorOptions) {}

  async create(spec: MachineSpec): Promise<HzServer> {
    const name = machineName(this.opts.namePrefix, spec.serverId);
    const existing = await this.findByName(name);
    if (existing) {
      this.opts.log.info({ serverId: spec.serverId, providerId: existing.id }, 'adopting existing server');
      return existing;
    }
    let body: Record<string, unknown>;
    try {
      body = this.body(spec, name);
    } catch (err) {
      throw new ProviderError(`create ${name}: ${(err as Error).message}`);
    }
    return this.postOrAdopt(body, name, spec.serverId);
  }

  /** Our server with this exact name (names are unique, so at most one), or null. */
  async findByName(name: string): Promise<HzServer | null> {
    const found = await listAll<HzServer>(this.opts.client, '/v1/servers', 'servers', { name }, 'create', HZ_PAGER);
    const ours = found.filter((s) => s.name === name && s.labels?.[this.opts.labelKey] !== undefined);
    if (found.length > 0 && ours.length === 0) {
      // A server of that name without our label is not ours: never adopt (or later delete) it.
      throw new ProviderError(`create ${name}: a server of that name exists without the ${this.opts.labelKey} label`);
    }
    return ours[0] ?? null;
  }

  private async postOrAdopt(body: Record<string, unknown>, name: string, serverId: string): Promise<HzServer> {
    const log = this.opts.log;
    for (let post = 1; ; post++) {
      let cause: ProviderError;
      try {
        const res = await this.opts.client.request<{ server?: HzServer }>({
          method: 'POST',
          path: '/v1/servers',
          body,
          priority: 'create',
        });
        if (!res.body.server) throw new ProviderError('POST /v1/servers: 2xx without a server', { ambiguous: true });
        log.info({ serverId, providerId: res.body.server.id }, 'server created');
        return res.body.server;
      } catch (err) {
        if (!(err instanceof ProviderError)) throw err;
        if (err.opts.code === 'resource_limit_exceeded') {
          this.opts.onLimitRefused?.(err.message);
          throw new ProviderError(err.message, { ...err.opts, retryable: false, capacity: true });
        }
        if (err.opts.code === 'resource_unavailable' || err.opts.code === 'invalid_input') {
          // The location takes no such server now (or the request is wrong): definite, and the
          // port's 422 for "cannot make machines there", whatever status Hetzner used.
          throw new ProviderError(err.message, { ...err.opts, status: 422, retryable: false, ambiguous: false });
        }
        if (err.opts.code !== 'uniqueness_error' && !err.ambiguous) throw err;
        cause = err;
      }
      // 409: the name is taken, by an earlier try of ours whose answer was lost (or not ours).
      log.warn({ serverId, err: cause.message, post }, 'create outcome unknown; checking by name');
      const found = await this.lookAfter(name, cause);
      if (found) {
        log.info({ serverId, providerId: found.id }, 'adopted server after an unknown or refused create');
        return found;
      }
      if (post >= MAX_CREATE_POSTS) {
        throw new ProviderError(`create ${name}: ${cause.message}; not found by name after retries`, {
          ambiguous: true,
          retryable: true,
        });
      }
    }
  }

  /** Looks by name a few times, settleMs apart: a server just made can be missing from lists. */
  private async lookAfter(name: string, cause: ProviderError): Promise<HzServer | null> {
    for (let i = 0; i < this.opts.lookups; i++) {
      await this.opts.clock.sleep(this.opts.settleMs, this.opts.client.closedSignal);
      if (this.opts.client.closedSignal.aborted) break;
      try {
        const found = await this.findByName(name);
        if (found) return found;
      } catch (err) {
        throw new ProviderError(`create ${name}: ${cause.message}; check by name failed: ${(err as Error).message}`, {
          ambiguous: true,
          retryable: true,
        });
      }
      // After a lost answer one look that finds nothing is enough to POST again (a landed
      // POST answers 409); after a 409 keep looking, the server exists.
      if (cause.opts.code !== 'uniqueness_error') return null;
    }
    if (cause.opts.code === 'uniqueness_error') {
      throw new ProviderError(`create ${name}: the name is taken but no server of ours has it yet`, {
        ambiguous: true,
        retryable: true,
      });
    }
    return null;
  }

  private body(spec: MachineSpec, name: string): Record<string, unknown> {
    const userData = buildUserData(spec);
    if (Buffer.byteLength(userData, 'utf8') > MAX_USER_DATA_BYTES) {
      throw new Error(`user_data is ${Buffer.byteLength(userData, 'utf8')} bytes; Hetzner allows 32 KiB`);
    }
    return {
      name,
      server_type: this.opts.serverType,
      image: this.opts.image,
      // The machine's region is a Hetzner location.
      location: spec.region,
      user_data: userData,
      labels: { [this.opts.labelKey]: spec.serverId },
      start_after_create: true,
    };
  }
}
