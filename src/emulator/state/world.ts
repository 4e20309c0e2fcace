import { AddressPool } from './address-pool.js';
import type { ActionRecord, DropletRecord } from './records.js';
import { TagRegistry, hasTag } from './tag-registry.js';

const FIRST_DROPLET_ID = 500_000_001;
const FIRST_ACTION_ID = 1_900_000_001;

/**
 * Everything the emulated account holds, in memory: droplets (deleted ones too, for tests),
 * actions, tags and the address pool. Time is passed in, never read, so lags follow the
 * injected clock.
 */
export class World {
  readonly droplets = new Map<number, DropletRecord>();
  readonly actions = new Map<number, ActionRecord>();
  readonly tags = new TagRegistry();
  readonly addresses = new AddressPool();
  private dropletSeq = FIRST_DROPLET_ID;
  private actionSeq = FIRST_ACTION_ID;

  nextDropletId(): number {
    return this.dropletSeq++;
  }

  /** A droplet that GET can see: not deleted, or deleted but still inside its delete lag. */
  visible(id: number, nowMs: number): DropletRecord | undefined {
    const d = this.droplets.get(id);
    return d && !isGone(d, nowMs) ? d : undefined;
  }

  /** A droplet that exists and takes actions (deleted ones do not, lag or not). */
  live(id: number): DropletRecord | undefined {
    const d = this.droplets.get(id);
    return d && d.deletedAtMs === null ? d : undefined;
  }

  /** What `GET /v2/droplets` shows, oldest first: visible and past its list lag. */
  listed(nowMs: number): DropletRecord[] {
    return [...this.droplets.values()].filter((d) => !isGone(d, nowMs) && d.listedFromMs <= nowMs);
  }

  /** Droplets carrying `tag` that still exist for the API (delete lag included). */
  visibleWithTag(tag: string, nowMs: number): DropletRecord[] {
    return [...this.droplets.values()].filter((d) => !isGone(d, nowMs) && hasTag(d.tags, tag));
  }

  /** Droplets counted against the droplet limit: every one not deleted. */
  liveCount(): number {
    let n = 0;
    for (const d of this.droplets.values()) if (d.deletedAtMs === null) n++;
    return n;
  }

  /**
   * Deletes a droplet; it stays visible, unchanged, until `nowMs + lagMs`. Deleting twice
   * keeps the first time. Its public address goes back to the pool.
   */
  markDeleted(d: DropletRecord, nowMs: number, lagMs: number): void {
    if (d.deletedAtMs !== null) return;
    d.deletedAtMs = nowMs;
    d.goneAtMs = nowMs + lagMs;
    this.addresses.release(d.v4);
  }

  addAction(type: string, d: DropletRecord, nowMs: number): ActionRecord {
    const action: ActionRecord = {
      id: this.actionSeq++,
      status: 'in-progress',
      type,
      startedAtMs: nowMs,
      completedAtMs: null,
      resourceId: d.id,
      regionSlug: d.regionSlug,
    };
    this.actions.set(action.id, action);
    return action;
  }

  clear(): void {
    this.droplets.clear();
    this.actions.clear();
    this.tags.clear();
    this.addresses.clear();
    this.dropletSeq = FIRST_DROPLET_ID;
    this.actionSeq = FIRST_ACTION_ID;
  }
}

/** Past its delete lag: GET 404s and lists leave it out. */
export function isGone(d: DropletRecord, nowMs: number): boolean {
  return d.goneAtMs !== null && nowMs >= d.goneAtMs;
}
