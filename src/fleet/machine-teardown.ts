import { EXTERNAL_ORIGIN, ServerState, type Server } from '../domain/server.js';
import { makesOrigin, type Provider } from '../providers/provider.js';
import type { ServerPatch, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';

/** What a teardown reads. */
export interface TeardownDeps {
  store: Store;
  provider: Provider;
  clock: Clock;
  log: Log;
}

/** The ServerOps verbs a teardown uses (named by shape: server-ops.ts imports this module). */
export interface TeardownOps {
  readonly instanceId: string;
  readonly leaseMs: number;
  moveNow(id: string, from: readonly ServerState[], to: ServerState, patch?: ServerPatch): Promise<Server | null>;
}

/** The states a teardown takes a row from to deleted. */
const TORN_DOWN_FROM = [ServerState.Shutdown, ServerState.Unhealthy, ServerState.Error] as const;

/**
 * Deletes a shut-down server's machine and marks the row deleted once the provider confirms.
 * true: confirmed; false: not (the reconciler retries); null: another process holds the row's
 * teardown lease (its own delete is in flight) or the row is not waiting for one any more.
 *
 * The lease, in the row (owner, lease_until), is what keeps two replicas from asking the
 * provider for the same delete: a request's teardown on one replica and the leader's pass on
 * another (after its handoff) used to both ask when the first took longer than the handoff.
 * It is renewed while the delete is in flight and released when the delete is not confirmed,
 * so the leader retries at once; a holder that dies leaves it to run out (LEASE_S).
 */
export async function teardownMachine(d: TeardownDeps, ops: TeardownOps, server: Server): Promise<boolean | null> {
  const external = server.origin === EXTERNAL_ORIGIN;
  // Without a machine id the reconciler finds the machine by listing (its name carries our id).
  if (!external && !server.providerId) return false;
  // A machine another provider made is not ours to delete with this one (its id means
  // nothing here): the row waits in shutdown for an orchestrator running that provider.
  if (!external && !makesOrigin(d.provider, server.origin)) return false;
  const claim = () =>
    d.store.claimServerTeardown(server.id, ops.instanceId, d.clock.now(), d.clock.now() + ops.leaseMs);
  try {
    if (!external && !(await claim())) return null;
  } catch (err) {
    d.log.warn({ serverId: server.id, err: (err as Error).message }, 'could not take the teardown; will retry');
    return false;
  }
  const renewing = new AbortController();
  const renew = external ? Promise.resolve() : renewWhile(d, ops, claim, server.id, renewing.signal);
  let confirmed = false;
  try {
    const res = external ? 'gone' : await d.provider.delete(server.providerId!);
    if (res === 'gone') {
      await ops.moveNow(server.id, TORN_DOWN_FROM, ServerState.Deleted);
      confirmed = true;
    }
  } catch (err) {
    d.log.warn({ serverId: server.id, err: (err as Error).message }, 'delete failed; will retry');
  } finally {
    renewing.abort();
    await renew;
  }
  if (!confirmed && !external) {
    await d.store.releaseServerLease(server.id, ops.instanceId).catch((err: unknown) => {
      d.log.warn({ serverId: server.id, err: (err as Error).message }, 'could not release the teardown lease');
    });
  }
  return confirmed;
}

async function renewWhile(
  d: TeardownDeps,
  ops: TeardownOps,
  renew: () => Promise<boolean>,
  serverId: string,
  signal: AbortSignal,
): Promise<void> {
  const every = Math.max(1, Math.floor(ops.leaseMs / 3));
  for (;;) {
    await d.clock.sleep(every, signal);
    if (signal.aborted) return;
    try {
      if (!(await renew())) return;
    } catch (err) {
      d.log.warn({ serverId, err: (err as Error).message }, 'teardown lease renewal failed');
    }
  }
}
