import type { Logger } from 'pino';
import type { Clock } from '../../util/clock.js';
import type { MachineSpec } from '../provider.js';
import { machineName, ProviderError } from '../provider.js';
import { buildUserData } from './cloud-init.js';
import type { DoClient } from './do-client.js';
import { isAmbiguous, isDropletLimitRefusal } from './do-errors.js';
import type { DoCreateDropletBody, DoDroplet } from './do-types.js';
import { serverIdTag } from './droplet-machine.js';
import { listAll } from './paginate.js';

/** What a create needs to know; fixed at construction. */
export interface DropletCreatorOptions {
  client: DoClient;
  clock: Clock;
  log: Logger;
  tag: string;
  namePrefix: string;
  size: string;
  image: string;
  extraTags: readonly string[];
  /** Wait after an ambiguous POST before looking for its droplet by name. */
  settleMs: number;
  /** Told when DigitalOcean refuses a create because the account's droplet limit is reached. */
  onLimitRefused?: (message: string) => void;
}

/** Attempts at POST /v2/droplets for one create: the first, plus one after a check found nothing. */
const MAX_CREATE_POSTS = 2;

/**
 * Idempotent droplet creation without an idempotency key (DigitalOcean has none, and names
 * need not be unique): look for the server's name first; POST once; after an ambiguous failure
 * (timeout, dropped connection, 5xx, 429) look again, and only if nothing is there POST one more
 * time. Whatever is still unknown after that is thrown as ambiguous for the reconciler.
 */
export class DropletCreator {
  constructor(private readonly opts: DropletCreatorOptions) {}

  /** The droplet for this server: an existing one adopted, or a new one. */
  async create(spec: MachineSpec): Promise<DoDroplet> {
    const name = machineName(this.opts.namePrefix, spec.serverId);
    const existing = await this.findByName(name);
    if (existing) {
      this.opts.log.info({ serverId: spec.serverId, providerId: existing.id }, 'adopting existing droplet');
      return existing;
    }
    let body: DoCreateDropletBody;
    try {
      body = this.body(spec, name);
    } catch (err) {
      throw new ProviderError(`create ${name}: ${(err as Error).message}`);
    }
    return this.postOrAdopt(body, spec.serverId);
  }

  /** Our droplet with this exact name (the oldest, if a past race made two), or null. */
  async findByName(name: string): Promise<DoDroplet | null> {
    const droplets = await listAll<DoDroplet>(this.opts.client, '/v2/droplets', 'droplets', { name }, 'create');
    const ours = droplets
      .filter((d) => d.name === name && d.status !== 'archive' && (d.tags ?? []).includes(this.opts.tag))
      .sort((a, b) => a.id - b.id);
    if (ours.length > 1) this.opts.log.warn({ name, count: ours.length }, 'duplicate droplets for one server');
    return ours[0] ?? null;
  }

  private async postOrAdopt(body: DoCreateDropletBody, serverId: string): Promise<DoDroplet> {
    const log = this.opts.log;
    for (let post = 1; ; post++) {
      try {
        const res = await this.opts.client.request<{ droplet?: DoDroplet }>({
          method: 'POST',
          path: '/v2/droplets',
          body,
          priority: 'create',
        });
        if (!res.body.droplet) throw new ProviderError('POST /v2/droplets: 2xx without a droplet', { ambiguous: true });
        log.info({ serverId, providerId: res.body.droplet.id }, 'droplet created');
        return res.body.droplet;
      } catch (err) {
        if (isDropletLimitRefusal(err)) {
          // The account is full: capacity, not a fault. Say so, so nobody retries at once.
          this.opts.onLimitRefused?.(err.message);
          throw new ProviderError(err.message, { ...err.opts, retryable: false, capacity: true });
        }
        if (!isAmbiguous(err)) throw err;
        log.warn({ serverId, err: (err as Error).message, post }, 'create outcome unknown; checking by name');
        await this.opts.clock.sleep(this.opts.settleMs, this.opts.client.closedSignal);
        const found = await this.checkAfterAmbiguity(body.name, err as ProviderError);
        if (found) {
          log.info({ serverId, providerId: found.id }, 'adopted droplet after ambiguous create');
          return found;
        }
        if (post >= MAX_CREATE_POSTS) {
          throw new ProviderError(`create ${body.name}: ${(err as Error).message}; not found by name after retry`, {
            ambiguous: true,
            retryable: true,
          });
        }
      }
    }
  }

  /** The name lookup after an ambiguous POST; if it fails too, the create stays ambiguous. */
  private async checkAfterAmbiguity(name: string, cause: ProviderError): Promise<DoDroplet | null> {
    try {
      return await this.findByName(name);
    } catch (err) {
      throw new ProviderError(`create ${name}: ${cause.message}; check by name failed: ${(err as Error).message}`, {
        ambiguous: true,
        retryable: true,
      });
    }
  }

  private body(spec: MachineSpec, name: string): DoCreateDropletBody {
    const idTag = serverIdTag(this.opts.namePrefix, spec.serverId);
    const tags = [this.opts.tag, ...(idTag ? [idTag] : []), ...this.opts.extraTags];
    const image = this.opts.image;
    return {
      name,
      region: spec.region,
      size: this.opts.size,
      // Private snapshots have no slug and must be named by their numeric id.
      image: /^\d+$/.test(image) ? Number(image) : image,
      tags: [...new Set(tags)],
      user_data: buildUserData(spec),
    };
  }
}
