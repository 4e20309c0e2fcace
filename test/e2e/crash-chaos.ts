import type { CloudUnderTest } from './crash-cloud.js';
import type { CrashDriver } from './crash-driver.js';
import { sleep } from './crash-http.js';
import type { DoCall, DoCallKind, DoProxy } from './crash-proxy.js';
import type { CrashableService } from './crash-service.js';
import type { StoreView } from './crash-store-view.js';

/** The operation a kill is aimed at. */
export const PHASES = ['create', 'boot', 'claim', 'end', 'delete'] as const;
export type Phase = (typeof PHASES)[number];

/** What was in flight when one SIGKILL landed. */
export interface KillRecord {
  n: number;
  target: Phase;
  atMs: number;
  /** DigitalOcean calls in flight, with their stage. */
  calls: Pick<DoCall, 'kind' | 'stage'>[];
  /** Our machines still booting. */
  booting: number;
  /** Idempotency-Keys of starts in flight, and of sessions whose end was in flight. */
  starts: string[];
  ends: string[];
  heartbeats: number;
  /** From the SIGKILL until the restarted process answered. */
  downMs: number;
}

/** Whether the kill found the operation it was aimed at in flight (arming can time out). */
export function hitTarget(k: KillRecord): boolean {
  switch (k.target) {
    case 'create':
    case 'delete':
      return k.calls.some((c) => c.kind === k.target);
    case 'boot':
      return k.booting > 0;
    case 'claim':
      return k.starts.length > 0;
    case 'end':
      return k.ends.length > 0;
  }
}

/** Whether anything at all was in flight: a cloud call, a boot, a start, an end or a heartbeat. */
export function interruptedWork(k: KillRecord): boolean {
  return k.calls.length > 0 || k.booting > 0 || k.starts.length > 0 || k.ends.length > 0 || k.heartbeats > 0;
}

export interface ChaosDeps {
  service: CrashableService;
  proxy: DoProxy;
  cloud: Pick<CloudUnderTest, 'machines'>;
  driver: CrashDriver;
  store: StoreView;
  random: () => number;
  /** Longest wait for the aimed-at operation before killing anyway. */
  armTimeoutMs: number;
}

/**
 * Kills the orchestrator while the aimed-at operation is in flight: a create or a delete
 * between leaving and being answered (the proxy widens those windows), a droplet booting, a
 * start sent while a ready server waits (a claim), an end just sent. Records everything in
 * flight at the moment of the kill, then restarts the process on the same database.
 */
export async function killDuring(d: ChaosDeps, n: number, target: Phase): Promise<KillRecord> {
  await arm(d, target);
  const inFlight = d.driver.inFlight();
  const record: KillRecord = {
    n,
    target,
    atMs: Date.now(),
    calls: d.proxy.inFlight().map(({ kind, stage }) => ({ kind, stage })),
    booting: booting(d),
    starts: inFlight.starts,
    ends: inFlight.ends,
    heartbeats: inFlight.heartbeats,
    downMs: 0,
  };
  await d.service.kill();
  await d.service.start();
  record.downMs = Date.now() - record.atMs;
  return record;
}

/** Resolves at a random moment inside the target operation (or after armTimeoutMs, regardless). */
async function arm(d: ChaosDeps, target: Phase): Promise<void> {
  const { driver, random } = d;
  switch (target) {
    case 'create':
    case 'delete': {
      const kind: DoCallKind = target;
      // Deletes follow ends: when none comes by itself soon, a game server ends its session.
      const provoke = target === 'delete' ? setTimeout(() => driver.endOneNow(), 300) : null;
      await waitForEvent(d.proxy, 'call', (c: DoCall) => c.kind === kind, d.armTimeoutMs);
      if (provoke) clearTimeout(provoke);
      return sleep(random() * 120);
    }
    case 'boot':
      await poll(() => booting(d) > 0, d.armTimeoutMs);
      return sleep(random() * 250);
    case 'claim': {
      await poll(() => d.store.readyCount() > 0, d.armTimeoutMs);
      const sent = waitForEvent(driver, 'sent', (e: { op: string }) => e.op === 'start', d.armTimeoutMs);
      driver.startSession();
      await sent;
      return sleep(random() * 8);
    }
    case 'end': {
      const sent = waitForEvent(driver, 'sent', (e: { op: string }) => e.op === 'end', d.armTimeoutMs);
      driver.endOneNow();
      await sent;
      return sleep(random() * 8);
    }
  }
}

function booting(d: ChaosDeps): number {
  return d.cloud.machines().filter((m) => m.owned && !m.deleted && m.booting).length;
}

function waitForEvent<T>(
  emitter: NodeJS.EventEmitter,
  name: string,
  match: (e: T) => boolean,
  timeoutMs: number,
): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      emitter.off(name, on);
      resolve();
    };
    const on = (e: T) => match(e) && done();
    const timer = setTimeout(done, timeoutMs);
    emitter.on(name, on);
  });
}

async function poll(cond: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!cond() && Date.now() < deadline) await sleep(5);
}
