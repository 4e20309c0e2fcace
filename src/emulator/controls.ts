import { mergeFaults, type Faults } from './options.js';
import { createRng, type Rng } from './rng.js';

/**
 * What both cloud emulators' cores share: the seeded RNG every fault draws from, the active
 * faults (start settings merged with PUT /_emulator/faults), per-route request counts and the
 * signal that ends requests held on purpose when the emulator closes. Each core adds its world.
 */
export class EmulatorControls {
  /** The seeded sequence every fault and address order draws from; resetControls() restarts it. */
  readonly rng: Rng = {
    next: () => this.rngState.next(),
    chance: (p) => this.rngState.chance(p),
    pick: (items) => this.rngState.pick(items),
  };
  private rngState: Rng;
  protected activeFaults: Faults;
  private readonly counts = new Map<string, number>();
  private readonly closing = new AbortController();

  constructor(private readonly start: { seed: number; faults: Faults }) {
    this.rngState = createRng(start.seed);
    this.activeFaults = { ...start.faults };
  }

  /** Aborted when the emulator closes: requests held on purpose (slow fault) end then. */
  get closedSignal(): AbortSignal {
    return this.closing.signal;
  }

  faults(): Readonly<Faults> {
    return { ...this.activeFaults };
  }

  /** Merges a partial fault setting; throws an Error naming a bad key or value. */
  setFaults(patch: Partial<Faults> | Record<string, unknown>): Faults {
    this.activeFaults = mergeFaults(this.activeFaults, patch);
    return this.faults();
  }

  /** Uses up one of the injected 429s; true when this request must get one. */
  takeBurst429(): boolean {
    if (this.activeFaults.burst429 <= 0) return false;
    this.activeFaults.burst429 -= 1;
    return true;
  }

  count(key: string): void {
    this.counts.set(key, (this.counts.get(key) ?? 0) + 1);
  }

  requestCounts(): Record<string, number> {
    return Object.fromEntries(this.counts);
  }

  resetCounts(): void {
    this.counts.clear();
  }

  /** Start faults, no counts, the RNG from its seed again (each core's reset() calls it). */
  protected resetControls(): void {
    this.counts.clear();
    this.activeFaults = { ...this.start.faults };
    this.rngState = createRng(this.start.seed);
  }

  /** Ends the held requests (each core's close() calls it). */
  protected abortHeld(): void {
    this.closing.abort();
  }
}
