import type { Logger } from 'pino';
import { systemClock, type Clock } from '../../util/clock.js';
import { ProviderError, type Machine, type MachineSpec, type Provider } from '../provider.js';
import { safeChildEnv } from './child-env.js';
import { LoopbackAddresses, freePortOn, portFreeOn } from './loopback-addresses.js';
import { splitCommand } from './split-command.js';
import { SupervisedProcess, type ChildExit } from './supervised-process.js';

export type { ChildExit } from './supervised-process.js';

/** Settings of the local provider; frozen at construction. */
export interface LocalProviderOptions {
  /** The game server's command line, e.g. `node /abs/examples/game-server/server.mjs`; split without a shell. */
  command: string;
  /** Working directory of the game servers (default: the orchestrator's). */
  cwd?: string;
  /** First three octets of the loopback addresses handed out (default '127.0.0' → 127.0.0.2, …). */
  hostBase?: string;
  /**
   * The named regions, in order (default: one, `local`, on hostBase). With more than one, the
   * i-th (from 0) hands out the addresses of its own block, 127.0.<i>.x (see localRegionBase).
   */
  regions?: readonly string[];
  /**
   * The game port on every server's own address (clients of the original API learn only the
   * address, as with droplets, so the port is the game's fixed one). 0 or unset: a free port each.
   */
  gamePort?: number;
  /** How long a stopped game server gets between SIGTERM and SIGKILL (default 5000). */
  stopGraceMs?: number;
  /** How long to wait for a game server process to start (default 10000). */
  spawnTimeoutMs?: number;
  /** Extra environment for every game server, e.g. HEARTBEAT_INTERVAL_MS. */
  env?: Record<string, string>;
  /** Where the safe basics (PATH, HOME, locale…) are copied from (config.local.parentEnv; none when omitted). */
  parentEnv?: Readonly<Record<string, string | undefined>>;
  logger: Logger;
  /** Called when a game server exits without being asked to (not after delete or close). */
  onExit?: (serverId: string, info: ChildExit) => void;
  /** Source of createdAtMs. */
  clock?: Clock;
}

/** The one region of a local provider configured without REGIONS. */
export const LOCAL_DEFAULT_REGION = 'local';

/** The address block of the i-th (from 0) of several local regions: 127.0.<i> (127.0.0.2…, 127.0.1.1…, …). */
export function localRegionBase(index: number): string {
  return `127.0.${index}`;
}

/** With a fixed game port: addresses tried (each skipped when the port is in use there) before a create fails. */
const ADDRESS_TRIES = 8;
/** Exits explained (goneReason) kept at most; the oldest go first. */
const GONE_REASONS_KEPT = 1000;

interface Entry {
  machine: Machine;
  process: SupervisedProcess;
  /** Set by delete/close, so the exit that follows is not reported as a crash. */
  stopRequested: boolean;
}

/**
 * Game servers as local child processes, one loopback address each (127.0.0.2, 127.0.0.3, …)
 * and a free port; each named region has its own block of addresses (see localRegionBase). The embedded default: `npm start` works end to end with no cloud account.
 * Each runs under a supervisor that kills it if the orchestrator dies, even by SIGKILL.
 */
export class LocalProvider implements Provider {
  readonly name = 'local' as const;
  private readonly argv: string[];
  /** Region name → its address range. */
  private readonly addresses = new Map<string, LoopbackAddresses>();
  private readonly machines = new Map<string, Entry>();
  private readonly creating = new Map<string, Promise<Machine>>();
  /** serverId → address, for live and starting machines alike. */
  private readonly addressOf = new Map<string, string>();
  /** serverId → why its game server exited on its own. */
  private readonly goneWhy = new Map<string, string>();
  private readonly clock: Clock;
  private closed = false;

  constructor(private readonly opts: LocalProviderOptions) {
    this.argv = splitCommand(opts.command);
    const regions = opts.regions?.length ? opts.regions : [LOCAL_DEFAULT_REGION];
    regions.forEach((name, i) => {
      const base = regions.length === 1 ? (opts.hostBase ?? '127.0.0') : localRegionBase(i);
      this.addresses.set(name, new LoopbackAddresses(base, regions.length === 1 ? undefined : 1));
    });
    this.clock = opts.clock ?? systemClock;
  }

  async create(spec: MachineSpec): Promise<Machine> {
    if (this.closed) throw new ProviderError('local provider is closed');
    const existing = this.machines.get(spec.serverId);
    if (existing?.stopRequested) {
      // Being deleted: a new machine comes after the old one is gone, never instead of it.
      await existing.process.exited;
      return this.create(spec);
    }
    if (existing) return { ...existing.machine };
    let pending = this.creating.get(spec.serverId);
    if (!pending) {
      const range = this.addresses.get(spec.region);
      if (!range)
        throw new ProviderError(
          `unknown local region ${spec.region} (this provider has ${[...this.addresses.keys()].join(', ')})`,
          {
            status: 422,
          },
        );
      // The address is taken before the first await, so concurrent creates never share one.
      const ip = range.next(new Set(this.addressOf.values()));
      this.addressOf.set(spec.serverId, ip);
      pending = this.start(spec, ip, range).finally(() => this.creating.delete(spec.serverId));
      this.creating.set(spec.serverId, pending);
    }
    return pending.then((m) => ({ ...m }));
  }

  async list(): Promise<Machine[]> {
    return [...this.machines.values()].filter((e) => e.process.running).map((e) => ({ ...e.machine }));
  }

  async get(providerId: string): Promise<Machine | null> {
    const entry = this.machines.get(providerId);
    return entry?.process.running ? { ...entry.machine } : null;
  }

  async delete(providerId: string): Promise<'gone' | 'pending'> {
    const pending = this.creating.get(providerId);
    if (pending) await pending.catch(() => null);
    // No await before this point otherwise: a create() right after delete() must see it.
    const entry = this.machines.get(providerId);
    if (!entry) return 'gone';
    entry.stopRequested = true;
    await entry.process.stop();
    this.forget(providerId, entry);
    return 'gone';
  }

  goneReason(providerId: string): string | null {
    return this.goneWhy.get(providerId) ?? null;
  }

  async close(): Promise<void> {
    this.closed = true;
    await Promise.all([...this.creating.values()].map((p) => p.catch(() => null)));
    await Promise.all([...this.machines.keys()].map((id) => this.delete(id)));
  }

  private async start(spec: MachineSpec, firstIp: string, range: LoopbackAddresses): Promise<Machine> {
    const log = this.opts.logger.child({ serverId: spec.serverId, region: spec.region });
    try {
      const { ip, port } = await this.placement(spec.serverId, firstIp, range, log);
      const child = await SupervisedProcess.start({
        argv: this.argv,
        cwd: this.opts.cwd,
        env: this.childEnv(spec, ip, port),
        graceMs: this.opts.stopGraceMs ?? 5000,
        spawnTimeoutMs: this.opts.spawnTimeoutMs ?? 10_000,
        log,
        remember: /EADDRINUSE/,
      });
      const machine: Machine = {
        providerId: spec.serverId,
        serverId: spec.serverId,
        status: 'active',
        ip,
        port,
        createdAtMs: this.clock.now(),
        region: spec.region,
      };
      const entry: Entry = { machine, process: child, stopRequested: false };
      this.machines.set(spec.serverId, entry);
      void child.exited.then((info) => this.exited(spec.serverId, entry, info, log));
      log.info({ ip, port, gamePid: child.pid }, 'game server started');
      return machine;
    } catch (err) {
      this.addressOf.delete(spec.serverId);
      throw err instanceof ProviderError ? err : new ProviderError(`cannot start game server: ${String(err)}`);
    }
  }

  /**
   * Where a game server listens. A free port on its address; with a fixed game port, the first
   * address from `ip` on where that port is free: a stray process holding it (a game server left
   * running, another orchestrator on this machine) costs an address, not a crashed server.
   */
  private async placement(
    serverId: string,
    ip: string,
    range: LoopbackAddresses,
    log: Logger,
  ): Promise<{ ip: string; port: number }> {
    const port = this.opts.gamePort;
    if (!port) return { ip, port: await freePortOn(ip) };
    const busy: string[] = [];
    while (!(await portFreeOn(ip, port))) {
      busy.push(`${ip}:${port}`);
      log.warn(
        { address: `${ip}:${port}` },
        `address ${ip}:${port} is in use by another process (EADDRINUSE); skipped`,
      );
      if (busy.length >= ADDRESS_TRIES)
        throw new ProviderError(
          `address in use (EADDRINUSE) on ${busy.join(', ')}: another process holds port ${port} ` +
            '(a game server left running, another orchestrator?); stop it or set LOCAL_GAME_PORT to a free port',
        );
      ip = range.next(new Set(this.addressOf.values()));
      this.addressOf.set(serverId, ip);
    }
    return { ip, port };
  }

  private exited(serverId: string, entry: Entry, info: ChildExit, log: Logger): void {
    this.forget(serverId, entry);
    if (entry.stopRequested) return void log.info(info, 'game server stopped');
    const { ip, port } = entry.machine;
    const inUse = entry.process.remembered;
    const why = inUse
      ? `address in use (EADDRINUSE): the game server on ${ip}:${port} could not listen: ${inUse.slice(0, 200)}`
      : `game server on ${ip}:${port} exited on its own (code ${info.code}, signal ${info.signal})`;
    this.goneWhy.set(serverId, why);
    if (this.goneWhy.size > GONE_REASONS_KEPT) this.goneWhy.delete(this.goneWhy.keys().next().value!);
    log.warn({ ...info, ip, port }, inUse ? why : 'game server exited on its own');
    try {
      this.opts.onExit?.(serverId, info);
    } catch (err) {
      log.error({ err }, 'onExit handler failed');
    }
  }

  private forget(serverId: string, entry: Entry): void {
    if (this.machines.get(serverId) !== entry) return;
    this.machines.delete(serverId);
    this.addressOf.delete(serverId);
  }

  /** Safe basics, then opts.env, then what this server must know (which always wins). */
  private childEnv(spec: MachineSpec, ip: string, port: number): Record<string, string> {
    return {
      ...safeChildEnv(this.opts.parentEnv ?? {}),
      ...this.opts.env,
      ORCHESTRATOR_URL: spec.orchestratorUrl,
      SERVER_ID: spec.serverId,
      SERVER_CREDENTIAL: spec.credential,
      GAME_HOST: ip,
      PUBLIC_IP: ip,
      GAME_PORT: String(port),
    };
  }
}
