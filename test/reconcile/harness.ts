import { PoolInForce } from '../../src/sessions/pool-settings.js';
import { randomUUID } from 'node:crypto';
import { loadConfig } from '../../src/config.js';
import type { Server } from '../../src/domain/server.js';
import type { Session } from '../../src/domain/session.js';
import { generateShareCode } from '../../src/domain/share-code.js';
import { ProviderError, type Machine, type MachineSpec, type Provider } from '../../src/providers/provider.js';
import { Reconciler, type PassResult, type ReconcileSettings } from '../../src/reconcile/index.js';
import { ServerOps } from '../../src/fleet/server-ops.js';
import type { ServerCaller } from '../../src/sessions/session-deps.js';
import type { StartResult } from '../../src/sessions/start-wait.js';
import { sessionUseCases } from '../../src/sessions/use-cases.js';
import { createStore, type DatabaseOptions } from '../../src/store/create-db.js';
import type { Store } from '../../src/store/store.js';
import { FakeClock } from '../../src/util/clock.js';
import type { PoolBillingSettings } from '../../src/reconcile/billing-pool.js';
import { silentLog } from '../../src/util/log.js';

/**
 * An in-memory Provider (the real ones have their own suites): machines in a Map, calls
 * counted, failures and a gate on list() to hold a pass open.
 */
export class FakeProvider implements Provider {
  readonly name = 'digitalocean' as const;
  readonly machines = new Map<string, Machine>();
  readonly calls = { list: 0, create: 0, delete: 0, get: 0 };
  listFails = false;
  deleteAnswer: 'gone' | 'pending' = 'gone';
  /** Whether a new machine has its address at once. */
  addressOnCreate = true;
  /** While set, list() waits for it. */
  listGate: Promise<void> | null = null;
  /** While set, delete() waits for it (after being counted). */
  deleteGate: Promise<void> | null = null;
  listsInFlight = 0;
  /** Machines list() leaves out, as DigitalOcean's tag listing does a droplet under another tag. */
  readonly unlisted = new Set<string>();
  maxListsInFlight = 0;
  private seq = 0;

  constructor(private readonly clock: FakeClock) {}

  async create(spec: MachineSpec): Promise<Machine> {
    this.calls.create++;
    const existing = [...this.machines.values()].find((m) => m.serverId === spec.serverId);
    if (existing) return { ...existing };
    const n = ++this.seq;
    const m: Machine = {
      providerId: `d-${n}`,
      serverId: spec.serverId,
      status: this.addressOnCreate ? 'active' : 'new',
      ip: this.addressOnCreate ? `10.9.${Math.floor(n / 250)}.${n % 250}` : null,
      port: null,
      createdAtMs: this.clock.now(),
      region: null,
    };
    this.machines.set(m.providerId, m);
    return { ...m };
  }

  async list(): Promise<Machine[]> {
    this.calls.list++;
    this.listsInFlight++;
    this.maxListsInFlight = Math.max(this.maxListsInFlight, this.listsInFlight);
    try {
      if (this.listGate) await this.listGate;
      if (this.listFails) throw new ProviderError('list failed: 503', { status: 503, retryable: true });
      return [...this.machines.values()].filter((m) => !this.unlisted.has(m.providerId)).map((m) => ({ ...m }));
    } finally {
      this.listsInFlight--;
    }
  }

  async get(providerId: string): Promise<Machine | null> {
    this.calls.get++;
    return this.machines.get(providerId) ?? null;
  }

  async delete(providerId: string): Promise<'gone' | 'pending'> {
    this.calls.delete++;
    if (this.deleteGate) await this.deleteGate;
    if (this.deleteAnswer === 'pending' && this.machines.has(providerId)) return 'pending';
    this.machines.delete(providerId);
    return 'gone';
  }

  /** A machine of ours made behind the store's back (a crash between create and record). */
  plant(o: Partial<Machine> = {}): Machine {
    const n = ++this.seq;
    const m: Machine = {
      providerId: `d-${n}`,
      serverId: randomUUID(),
      status: 'active',
      ip: `10.8.0.${n % 250}`,
      port: null,
      createdAtMs: this.clock.now(),
      region: null,
      ...o,
    };
    this.machines.set(m.providerId, m);
    return m;
  }

  async close(): Promise<void> {}

  resetCalls(): void {
    Object.assign(this.calls, { list: 0, create: 0, delete: 0, get: 0 });
  }
}

/** The lifecycle block of a real Config, with fast, test-friendly values. */
export function testSettings(o: Partial<ReconcileSettings> = {}): ReconcileSettings {
  return {
    ...loadConfig({ PROVIDER: 'local', LOG_LEVEL: 'silent' }).lifecycle,
    readiness: 'heartbeat',
    poolMinReady: 0,
    poolBuffer: 0,
    ...o,
  };
}

export interface Harness {
  clock: FakeClock;
  store: Store;
  provider: FakeProvider;
  ops: ServerOps;
  /** The start and heartbeat use cases, in the shape these tests call them. */
  service: {
    start(): Promise<StartResult>;
    heartbeat(caller: ServerCaller, ip: string, players: number): Promise<unknown>;
  };
  settings: ReconcileSettings;
  reconciler: Reconciler;
  passes: PassResult[];
  /** A new reconciler over the same store and provider (settings are frozen per reconciler). */
  withSettings(o: Partial<ReconcileSettings>): Reconciler;
  /** Reserves and launches a server and heartbeats it ready. */
  readyServer(players?: number): Promise<Server>;
  /** A pending session inserted directly (as a start that is waiting), in `region` (default `local`). */
  pendingSession(createdAtMs?: number, region?: string): Promise<Session>;
  server(id: string): Promise<Server>;
  liveMade(): Promise<number>;
  close(): Promise<void>;
}

/** `db`: in-memory SQLite unless given (a PostgreSQL schema, for races only it shows). */
export async function harness(
  o: Partial<ReconcileSettings> = {},
  db: DatabaseOptions = { kind: 'sqlite', path: ':memory:' },
  extra: { billing?: PoolBillingSettings } = {},
): Promise<Harness> {
  const clock = new FakeClock();
  const store = await createStore(db);
  const provider = new FakeProvider(clock);
  const settings = testSettings(o);
  const opsFor = (s: ReconcileSettings) =>
    new ServerOps({
      store,
      provider,
      clock,
      log: silentLog,
      credentialSecret: 'test-master-secret',
      orchestratorUrl: 'http://127.0.0.1:9',
      readiness: s.readiness,
      recycleServers: s.recycleServers,
    });
  const ops = opsFor(settings);
  const sessions = sessionUseCases(
    { store, ops, clock, log: silentLog, reconcileSoon: () => {} },
    {
      startTimeoutS: settings.startTimeoutS,
      startPollMs: 10,
      idempotencyTtlS: 60,
      pool: new PoolInForce({
        store,
        configured: () => ({ poolMinReady: 0, poolBuffer: 0, maxServers: settings.maxServers }),
        forecastTarget: () => null,
        log: silentLog,
      }),
    },
  );
  const service: Harness['service'] = {
    start: () => sessions.start.startAndWait(),
    heartbeat: (caller, ip, players) =>
      sessions.reports.heartbeat(
        caller.serverId ? { server: { id: caller.serverId }, address: ip, players } : { server: { ip }, players },
      ),
  };
  const passes: PassResult[] = [];
  const make = (s: ReconcileSettings) =>
    new Reconciler({
      store,
      provider,
      ops: s === settings ? ops : opsFor(s),
      clock,
      log: silentLog,
      settings: s,
      onPass: (r) => passes.push(r),
      minTriggerGapMs: 0,
      ...(extra.billing ? { pool: { ...loadConfig({ PROVIDER: 'local' }).pool, billing: extra.billing } } : {}),
    });
  const reconciler = make(settings);
  const others: Reconciler[] = [];
  const h: Harness = {
    clock,
    store,
    provider,
    ops,
    service,
    settings,
    reconciler,
    passes,
    withSettings(x) {
      const r = make({ ...settings, ...x });
      others.push(r);
      return r;
    },
    async readyServer(players = 0) {
      const [row] = await store.transaction((tx) => ops.reserve(tx, 1, 'local'));
      await ops.launch(row!);
      const launched = await h.server(row!.id);
      await service.heartbeat({ serverId: row!.id }, launched.ip!, players);
      return h.server(row!.id);
    },
    async pendingSession(createdAtMs = clock.now(), region = 'local') {
      for (;;) {
        const s: Session = {
          id: randomUUID(),
          code: generateShareCode(),
          state: 'pending',
          serverId: null,
          createdAtMs,
          activatedAtMs: null,
          endedAtMs: null,
          endReason: null,
          lastPlayedAtMs: null,
          coldStart: true,
          region,
          placement: null,
        };
        if (await store.insertSession(s)) return s;
      }
    },
    async server(id) {
      const s = await store.getServer(id);
      if (!s) throw new Error(`no server ${id}`);
      return s;
    },
    async liveMade() {
      return (
        await store.listServers(['creating', 'starting', 'ready', 'allocated', 'unhealthy', 'error', 'shutdown'])
      ).filter((s) => s.origin !== 'external').length;
    },
    async close() {
      await Promise.all([reconciler.stop(), ...others.map((r) => r.stop())]);
      await store.close();
    },
  };
  return h;
}
