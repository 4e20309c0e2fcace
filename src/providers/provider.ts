/**
 * The Provider port: where machines come from. Every method is idempotent and speaks in
 * the orchestrator's server ids, so a crash between "row written" and "machine made" is
 * repaired by listing, never by guessing.
 */
export interface Provider {
  /** The registry name (providers/registry.ts); stored as the server's origin. */
  readonly name: string;

  /**
   * Makes the machine for `spec.serverId`, or returns the one that already exists for it
   * (the provider looks first when a previous attempt may have succeeded). Resolves once the
   * provider has accepted the request; the machine may still be booting (`status: 'new'`).
   * Throws ProviderError; `ambiguous: true` means it may or may not exist now.
   */
  create(spec: MachineSpec): Promise<Machine>;

  /** Every machine this orchestrator owns (by tag), in one paged listing. */
  list(): Promise<Machine[]>;

  /** One machine by the provider's id, or null when it does not exist. */
  get(providerId: string): Promise<Machine | null>;

  /**
   * Optional: makes an existing machine this orchestrator's, so list() shows it from now on
   * (DigitalOcean: adds our tag). Used for a row whose machine get() finds but list() lacks,
   * such as a droplet the original service made under its own tag. Without it, such a
   * machine is deleted instead.
   */
  adopt?(providerId: string): Promise<void>;

  /**
   * Asks for the machine to go away. 'gone' when the provider confirms it no longer exists
   * (404 counts), 'pending' when the delete was accepted but the machine is still listed:
   * call again later. Never throws for "already gone".
   */
  delete(providerId: string): Promise<'gone' | 'pending'>;

  /**
   * Optional: why a machine it made is gone, when it knows (the local provider: its game server
   * exited on its own, e.g. its address was in use). The row's history says this instead of
   * "machine gone from the provider".
   */
  goneReason?(providerId: string): string | null;

  /** Stops timers and, for the local provider, every child process. */
  close(): Promise<void>;

  /**
   * The account's own cap on machines (DigitalOcean's droplet_limit), when the provider has
   * one, with how to name it in messages. Read once at start-up; null when it has none.
   */
  accountLimit?(): Promise<{ limit: number; label: string } | null>;
  /** Optional: request counts and rate budget, for metrics (a cloud API has them; local not). */
  telemetry?(): ProviderTelemetry;
  /** Optional: the hourly price of a machine of each size, in US dollars (cost reports). */
  prices?(): Promise<SizePrices>;
  /**
   * Requests the provider's API budget still allows in the current minute and hour, or
   * absent for a provider without one (local). The pool grows only within it.
   */
  apiBudgetLeft?(): { minute: number; hour: number };
  /**
   * Optional (a fleet over several clouds, fleet-provider.ts): the origin a row records for a
   * machine made in `region`, the name of the provider that region is on. Absent: `name`.
   */
  originFor?(region: string): string;
  /** Optional: the size a machine made in `region` is asked for (recorded on its row, for costs). Absent: none. */
  sizeFor?(region: string): string | null;
  /** Optional, with originFor: whether a row of this origin is one of this provider's machines. Absent: origin === name. */
  makes?(origin: string): boolean;
}

/** What a provider reports about its API use. */
export interface ProviderTelemetry {
  /** Cumulative requests by route and outcome. */
  calls: readonly { route: string; outcome: string; count: number }[];
  rateBudget: {
    perHour: number;
    perMinute: number;
    remainingHour: number;
    remainingMinute: number;
    blockedForMs: number;
    queued: number;
  } | null;
}

/** The size new machines get, and hourly prices by size (US dollars). */
export interface SizePrices {
  currentSize: string;
  hourlyUsd: Readonly<Record<string, number>>;
  /**
   * A fleet across clouds (fleet-provider.ts): the hourly price of each cloud's current size, by
   * the origin its rows carry. Absent: every row of this provider is priced at currentSize's.
   */
  hourlyByOrigin?: Readonly<Record<string, number>>;
  /** A fleet across clouds: each cloud's hourly prices by size, by origin (absent: hourlyUsd is this provider's). */
  sizesByOrigin?: Readonly<Record<string, Readonly<Record<string, number>>>>;
}

export interface MachineSpec {
  /** The server row's id; carried in the machine's name and tags. */
  serverId: string;
  /** The per-server credential the game server signs its requests with. */
  credential: string;
  /** Base URL the game server reaches the orchestrator at. */
  orchestratorUrl: string;
  /**
   * Where to make it: one of the fleet's regions (REGIONS; a DigitalOcean region slug, a local
   * region's name). A provider that cannot make machines there now throws a ProviderError with
   * `status: 422` (DigitalOcean's answer for a closed region or a sold-out size).
   */
  region: string;
}

/** What a provider knows of one machine. */
export interface Machine {
  providerId: string;
  /** Parsed from the machine's name/tags; null when it does not carry one of ours. */
  serverId: string | null;
  /** 'new' while booting, 'active' when running, 'off' when powered off. */
  status: 'new' | 'active' | 'off' | 'archive';
  /** Public address game clients use; null until assigned. */
  ip: string | null;
  /** Game port, when the provider decides it (local provider); null otherwise. */
  port: number | null;
  /** Epoch ms when the provider made it. */
  createdAtMs: number;
  /** The region it runs in, as the provider reports it (DigitalOcean: droplet.region.slug); null when unknown. */
  region: string | null;
}

/** A provider call failed. `ambiguous` means the request may have taken effect. */
export class ProviderError extends Error {
  constructor(
    message: string,
    readonly opts: {
      ambiguous?: boolean;
      status?: number;
      retryable?: boolean;
      retryAfterMs?: number;
      /** Refused because the account's limit is reached: capacity, not a failure to retry. */
      capacity?: boolean;
      /** The cloud's own error id when its answer named one (`uniqueness_error`, `unprocessable_entity`). */
      code?: string;
    } = {},
  ) {
    super(message);
    this.name = 'ProviderError';
  }
  get ambiguous(): boolean {
    return this.opts.ambiguous ?? false;
  }
}

/** The origin a new row in `region` records: the name of the provider that makes its machine. */
export function originFor(provider: Pick<Provider, 'name' | 'originFor'>, region: string): string {
  return provider.originFor ? provider.originFor(region) : provider.name;
}

/** A provider as the reconciler's plan knows it: its name, or it (a fleet knows several origins). */
export type OriginJudge = string | Pick<Provider, 'name' | 'makes'>;

/** Whether `provider` made the machines of rows with this origin (its listing is their truth). */
export function makesOrigin(provider: OriginJudge, origin: string): boolean {
  if (typeof provider === 'string') return origin === provider;
  return provider.makes ? provider.makes(origin) : origin === provider.name;
}

/** Machine names carry the server id: `<prefix>-<serverId>`. */
export function machineName(prefix: string, serverId: string): string {
  return `${prefix}-${serverId}`;
}

/** Inverse of machineName: the server id, or null for a name that is not ours. */
export function serverIdFromName(prefix: string, name: string): string | null {
  const p = `${prefix}-`;
  if (!name.startsWith(p)) return null;
  const id = name.slice(p.length);
  return /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/.test(id) ? id : null;
}

/**
 * A create the provider refused definitively for its region (the port's `status: 422`: a
 * DigitalOcean region closed or its size sold out there, a Hetzner location that takes no such
 * server), as opposed to the account's limit (`capacity`) or an outcome unknown (`ambiguous`).
 */
export function isRegionRefusal(err: unknown): err is ProviderError {
  return err instanceof ProviderError && !err.ambiguous && err.opts.status === 422 && !err.opts.capacity;
}
