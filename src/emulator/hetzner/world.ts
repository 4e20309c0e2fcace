import type { HzImageFacts, HzLocation, HzServerTypeFacts } from './catalogue.js';

/** Server statuses the API documents (GET /v1/servers `status`). */
export type HzServerStatus =
  'initializing' | 'starting' | 'running' | 'stopping' | 'off' | 'deleting' | 'migrating' | 'rebuilding' | 'unknown';

export interface HzServerRecord {
  id: number;
  name: string;
  status: HzServerStatus;
  createdAtMs: number;
  location: HzLocation;
  serverType: HzServerTypeFacts;
  image: HzImageFacts;
  labels: Record<string, string>;
  userData: string | null;
  ipv4: string;
  ipv6: string;
  /** Not in GET /v1/servers lists before this (list lag). */
  listedFromMs: number;
  deletedAtMs: number | null;
  /** GET answers 404 from then on (delete lag). */
  goneAtMs: number | null;
}

export interface HzActionRecord {
  id: number;
  command: string;
  status: 'running' | 'success' | 'error';
  startedAtMs: number;
  finishedAtMs: number | null;
  serverId: number;
  error: { code: string; message: string } | null;
}

const FIRST_SERVER_ID = 60_000_001;
const FIRST_ACTION_ID = 900_000_001;

/**
 * The emulated project's servers (deleted ones kept, for tests) and actions. Server names are
 * unique per project among servers that exist, as Hetzner's are. Time is passed in.
 */
export class HetznerWorld {
  readonly servers = new Map<number, HzServerRecord>();
  readonly actions = new Map<number, HzActionRecord>();
  private serverSeq = FIRST_SERVER_ID;
  private actionSeq = FIRST_ACTION_ID;
  private addressSeq = 0;

  nextServerId(): number {
    return this.serverSeq++;
  }

  /** A fresh public IPv4 from the documentation ranges, and a /64 for IPv6. */
  nextAddresses(): { ipv4: string; ipv6: string } {
    const n = this.addressSeq++;
    const v4 = n < 254 ? `203.0.113.${n + 1}` : `198.51.100.${(n - 254) % 254 || 1}`;
    return { ipv4: v4, ipv6: `2001:db8:${(n + 1).toString(16)}::/64` };
  }

  /** GET sees it: not deleted, or deleted but inside its delete lag. */
  visible(id: number, nowMs: number): HzServerRecord | undefined {
    const s = this.servers.get(id);
    return s && !isGone(s, nowMs) ? s : undefined;
  }

  /** What a list shows, oldest first: visible and past its list lag. */
  listed(nowMs: number): HzServerRecord[] {
    return [...this.servers.values()].filter((s) => !isGone(s, nowMs) && s.listedFromMs <= nowMs);
  }

  /** The existing (not deleted) server with this name: names are unique among them. */
  named(name: string): HzServerRecord | undefined {
    for (const s of this.servers.values()) if (s.deletedAtMs === null && s.name === name) return s;
    return undefined;
  }

  /** Servers counted against the project's limit: every one not deleted. */
  liveCount(): number {
    let n = 0;
    for (const s of this.servers.values()) if (s.deletedAtMs === null) n++;
    return n;
  }

  /** Deletes it: `deleting` until `nowMs + lagMs`, then gone. Twice keeps the first time. */
  markDeleted(s: HzServerRecord, nowMs: number, lagMs: number): void {
    if (s.deletedAtMs !== null) return;
    s.deletedAtMs = nowMs;
    s.goneAtMs = nowMs + lagMs;
    s.status = 'deleting';
  }

  addAction(command: string, serverId: number, nowMs: number): HzActionRecord {
    const a: HzActionRecord = {
      id: this.actionSeq++,
      command,
      status: 'running',
      startedAtMs: nowMs,
      finishedAtMs: null,
      serverId,
      error: null,
    };
    this.actions.set(a.id, a);
    return a;
  }

  clear(): void {
    this.servers.clear();
    this.actions.clear();
    this.serverSeq = FIRST_SERVER_ID;
    this.actionSeq = FIRST_ACTION_ID;
    this.addressSeq = 0;
  }
}

export function isGone(s: HzServerRecord, nowMs: number): boolean {
  return s.goneAtMs !== null && nowMs >= s.goneAtMs;
}
