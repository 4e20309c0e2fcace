import type { Clock } from '../util/clock.js';

/** What operators see of the cap on machines (GET /v1/status → capacity). */
export interface CapacityStatus {
  /** MAX_SERVERS as configured. */
  configuredMaxServers: number;
  /** The provider account's own limit (DigitalOcean's droplet_limit), read at start-up; null when unknown. */
  accountLimit: number | null;
  /** The cap in force: MAX_SERVERS clamped to the account's limit. */
  maxServers: number;
  /** Set when the account's limit lowered MAX_SERVERS. */
  clamp: string | null;
  /** The provider refused a create for its limit: no create is tried until this time (epoch ms). */
  refusedUntilMs: number | null;
  refusal: string | null;
}

export interface CapacityGuardOptions {
  configuredMaxServers: number;
  clock: Clock;
  /** After the provider refuses a create for its limit, try no other create for this long. */
  refusalHoldMs: number;
}

/**
 * The cap on live machines we made: MAX_SERVERS, lowered to the provider account's limit, and
 * closed for a while after the provider says that limit is reached (other machines on the
 * account share it). Read on every use, so a clamp or a refusal applies to the next decision.
 */
export class CapacityGuard {
  private accountLimit: number | null = null;
  /** How the limit is named in messages, e.g. "the DigitalOcean account's droplet_limit". */
  private limitLabel = "the provider account's limit";
  private refusal: { untilMs: number; message: string } | null = null;

  constructor(private readonly opts: Readonly<CapacityGuardOptions>) {}

  /** The most live machines a start or the reconciler may have; 0 while a refusal holds. */
  get maxServers(): number {
    if (this.refusalActive()) return 0;
    return this.clampedMax();
  }

  /** Records the account's limit; returns the warning to log when it lowers MAX_SERVERS. */
  setAccountLimit(limit: number, label: string): string | null {
    this.accountLimit = limit;
    this.limitLabel = label;
    return this.clampText();
  }

  /** The provider refused a create because the account is full. */
  noteRefused(message: string): void {
    this.refusal = { untilMs: this.opts.clock.now() + this.opts.refusalHoldMs, message };
  }

  /** One of our machines is gone: the account has room again, so a refusal no longer holds. */
  noteFreed(): void {
    this.refusal = null;
  }

  /**
   * Why a start found no server, when capacity is the reason: a refusal holding, or every
   * allowed machine in use (`liveMade`: live machines we made). Null when capacity is not why.
   */
  reason(liveMade: number): string | null {
    if (this.refusalActive()) {
      const s = Math.ceil((this.refusal!.untilMs - this.opts.clock.now()) / 1000);
      return `the provider refused a new server because the account's limit is reached (${this.refusal!.message}); no create is tried for ${s} s`;
    }
    const max = this.clampedMax();
    if (liveMade < max) return null;
    const clamp = this.clampText();
    return clamp
      ? `all ${max} servers allowed are in use (${clamp})`
      : `all ${max} servers allowed by MAX_SERVERS are in use`;
  }

  status(): CapacityStatus {
    const active = this.refusalActive();
    return {
      configuredMaxServers: this.opts.configuredMaxServers,
      accountLimit: this.accountLimit,
      maxServers: this.clampedMax(),
      clamp: this.clampText(),
      refusedUntilMs: active ? this.refusal!.untilMs : null,
      refusal: active ? this.refusal!.message : null,
    };
  }

  private clampedMax(): number {
    const configured = this.opts.configuredMaxServers;
    return this.accountLimit === null ? configured : Math.min(configured, this.accountLimit);
  }

  private clampText(): string | null {
    const configured = this.opts.configuredMaxServers;
    if (this.accountLimit === null || this.accountLimit >= configured) return null;
    return `MAX_SERVERS ${configured} is clamped to ${this.accountLimit}, ${this.limitLabel}`;
  }

  private refusalActive(): boolean {
    return this.refusal !== null && this.opts.clock.now() < this.refusal.untilMs;
  }
}
