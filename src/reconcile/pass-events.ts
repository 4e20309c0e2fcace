import { EventKind, type EventData } from '../domain/events.js';
import type { Leadership } from '../store/leadership.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';
import type { OutageInfo, PoolPass, ReconcileSettings } from './types.js';

/**
 * What a pass records as events, each only on a change: a change of lead, the outage guard
 * going on or off, and changed pool targets. Who leads and what the pool aims at are visible to
 * operators and webhooks through the outbox.
 */
export class PassEvents {
  /** Whether this replica led at its last pass (null before the first). */
  private led: boolean | null = null;
  private lastTargets: string | null = null;
  private guardOn = false;

  constructor(private readonly d: { store: Store; clock: Clock; log: Log }) {}

  /** Whether `leads` differs from the last pass's lead (or this is the first pass). */
  leadChanged(leads: boolean): boolean {
    return leads !== this.led;
  }

  /** A change of lead is an event (a first pass that does not lead records nothing). */
  async recordLeadership(leadership: Leadership, leads: boolean): Promise<void> {
    const was = this.led;
    this.led = leads;
    if (was === null && !leads) return;
    try {
      const status = await leadership.status();
      await this.d.store.transaction(async (tx) => {
        tx.recordEvent({
          atMs: this.d.clock.now(),
          kind: EventKind.LeaderChanged,
          serverId: null,
          sessionId: null,
          data: { replica: status.replica, leads, leaderReplica: status.leaderReplica },
        });
      });
    } catch (err) {
      this.d.log.warn({ err: (err as Error).message }, 'could not record the change of lead');
    }
  }

  /** Outage guard on/off and changed pool targets become events (only on a change). */
  async recordGuardAndTargets(outage: OutageInfo | null, targets: EventData): Promise<void> {
    const { store, clock } = this.d;
    const key = JSON.stringify(targets);
    const guardChanged = (outage !== null) !== this.guardOn;
    const targetsChanged = key !== this.lastTargets && 'target' in targets;
    if (!guardChanged && !targetsChanged) return;
    const now = clock.now();
    await store.transaction(async (tx) => {
      if (guardChanged) {
        const data: EventData = outage
          ? { reason: outage.reason, silent: outage.silent, heartbeating: outage.heartbeating }
          : {};
        tx.recordEvent({
          atMs: now,
          kind: outage ? EventKind.OutageGuardOn : EventKind.OutageGuardOff,
          serverId: null,
          sessionId: null,
          data,
        });
      }
      if (targetsChanged)
        tx.recordEvent({
          atMs: now,
          kind: EventKind.PoolTargetsChanged,
          serverId: null,
          sessionId: null,
          data: targets,
        });
    });
    this.guardOn = outage !== null;
    this.lastTargets = key;
  }
}

/** The pool_targets_changed event's data: the totals, and with several regions each one's target (`ams3=2 nyc3=0`). */
export function targetsEvent(
  pool: PoolPass | undefined,
  s: Pick<ReconcileSettings, 'poolMinReady' | 'poolBuffer' | 'maxServers'>,
): EventData {
  if (!pool) return {};
  const { poolMinReady: minReady, poolBuffer: buffer, maxServers } = s;
  const regions = Object.entries(pool.regions ?? {});
  const data: EventData = { target: pool.target, atMaxServers: pool.atMaxServers, minReady, buffer, maxServers };
  if (regions.length > 1) data.regionTargets = regions.map(([r, t]) => `${r}=${t.target}`).join(' ');
  return data;
}
