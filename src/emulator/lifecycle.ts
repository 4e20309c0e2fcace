import { setMaxListeners } from 'node:events';
import type { Clock } from '../util/clock.js';
import type { Rng } from './rng.js';
import type { ActionRecord, DropletRecord, DropletStatus } from './state/records.js';
import type { World } from './state/world.js';

/** Status each supported droplet action leaves the droplet in. */
export const ACTION_RESULT: Readonly<Record<string, DropletStatus>> = {
  power_off: 'off',
  shutdown: 'off',
  power_on: 'active',
  reboot: 'active',
  power_cycle: 'active',
};

/**
 * Finishes what actions start: after the boot delay a droplet becomes active with its
 * addresses (or its create errors and it vanishes); after the action delay a power action
 * completes. Delays run on the injected clock, so tests with a FakeClock step them.
 */
export class Lifecycle {
  private abort = newController();

  constructor(
    private readonly world: World,
    private readonly clock: Clock,
    private readonly rng: Rng,
    private readonly delays: { bootDelayMs: number; actionDelayMs: number },
  ) {}

  /** Schedules the end of a create; `fails` comes from the createErrorRate fault. */
  boot(d: DropletRecord, action: ActionRecord, fails: boolean): void {
    this.after(this.delays.bootDelayMs, () => this.finishBoot(d, action, fails));
  }

  /** Schedules the end of a power action. */
  run(d: DropletRecord, action: ActionRecord): void {
    this.after(this.delays.actionDelayMs, () => {
      const now = this.clock.now();
      const status = ACTION_RESULT[action.type];
      if (status && d.deletedAtMs === null) d.status = status;
      d.locked = false;
      action.status = 'completed';
      action.completedAtMs = now;
    });
  }

  /** Forgets every scheduled step (on reset and close). */
  cancelAll(): void {
    this.abort.abort();
    this.abort = newController();
  }

  private finishBoot(d: DropletRecord, action: ActionRecord, fails: boolean): void {
    const now = this.clock.now();
    action.completedAtMs = now;
    d.locked = false;
    if (d.deletedAtMs !== null) {
      action.status = 'errored';
      return;
    }
    if (fails) {
      action.status = 'errored';
      d.createErrored = true;
      this.world.markDeleted(d, now, 0);
      return;
    }
    let pub;
    try {
      pub = this.world.addresses.publicV4(d.regionSlug);
    } catch {
      // Out of addresses: the create fails as a real one does (errored action, droplet gone).
      action.status = 'errored';
      d.createErrored = true;
      this.world.markDeleted(d, now, 0);
      return;
    }
    // Real payloads list the interfaces in no fixed order; clients must pick by `type`.
    const priv = this.world.addresses.privateV4();
    d.v4 = this.rng.chance(0.5) ? [priv, pub] : [pub, priv];
    if (d.ipv6) d.v6 = [this.world.addresses.v6()];
    d.status = 'active';
    d.activeAtMs = now;
    action.status = 'completed';
  }

  private after(delayMs: number, step: () => void): void {
    const signal = this.abort.signal;
    const wait = delayMs > 0 ? this.clock.sleep(delayMs, signal) : Promise.resolve();
    void wait.then(() => {
      if (!signal.aborted) step();
    });
  }
}

/** One signal is shared by every pending step, so it carries one listener per droplet. */
function newController(): AbortController {
  const controller = new AbortController();
  setMaxListeners(0, controller.signal);
  return controller;
}
