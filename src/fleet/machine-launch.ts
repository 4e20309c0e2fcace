import { ServerState, type Server } from '../domain/server.js';
import { isRegionRefusal, ProviderError, type Machine, type Provider } from '../providers/provider.js';
import type { ServerPatch, Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';

/** What a launch reads. */
export interface LaunchDeps {
  store: Store;
  provider: Provider;
  clock: Clock;
  log: Log;
  orchestratorUrl: string;
  /** A create in `region` was refused definitively for the region (isRegionRefusal): placement skips it a while. */
  onRegionRefused?: (region: string) => Promise<void>;
  /** A server of ours booted (creating → ready) in `region` in `seconds` (placement's boot waits). */
  onBooted?: (region: string, seconds: number, atMs: number) => void;
}

/** The ServerOps verbs a launch uses (named by shape: server-ops.ts imports this module). */
export interface LaunchOps {
  readonly instanceId: string;
  readonly leaseMs: number;
  credentialFor(serverId: string): string;
  recordMachine(serverId: string, m: Machine): Promise<void>;
  moveNow(id: string, from: readonly ServerState[], to: ServerState, patch?: ServerPatch): Promise<Server | null>;
}

/**
 * Asks the provider for the machine of a `creating` row and records what it says. The
 * row's lease is renewed while the provider works, so it never looks abandoned meanwhile.
 */
export async function launchMachine(d: LaunchDeps, ops: LaunchOps, server: Server): Promise<void> {
  const log = d.log.child({ serverId: server.id });
  const renewing = new AbortController();
  const renew = renewWhile(d, ops, server.id, renewing.signal);
  try {
    const machine = await d.provider.create({
      serverId: server.id,
      credential: ops.credentialFor(server.id),
      orchestratorUrl: d.orchestratorUrl,
      region: server.region,
    });
    renewing.abort();
    await ops.recordMachine(server.id, machine);
  } catch (err) {
    renewing.abort();
    if (err instanceof ProviderError && !err.ambiguous) {
      log.error({ err: err.message }, 'provider refused to create a server');
      await ops.moveNow(server.id, [ServerState.Creating], ServerState.Error, { reason: err.message });
      if (isRegionRefusal(err))
        await d.onRegionRefused?.(server.region).catch((e: unknown) => {
          log.warn(
            { region: server.region, err: (e as Error).message },
            'could not record the region refusing creates',
          );
        });
    } else {
      // It may exist: once the lease runs out the reconciler adopts it by name or deletes the row.
      log.warn({ err: (err as Error).message }, 'create outcome unknown; the reconciler will adopt or clean up');
    }
  } finally {
    renewing.abort();
    await renew;
  }
}

async function renewWhile(d: LaunchDeps, ops: LaunchOps, serverId: string, signal: AbortSignal): Promise<void> {
  const every = Math.max(1, Math.floor(ops.leaseMs / 3));
  for (;;) {
    await d.clock.sleep(every, signal);
    if (signal.aborted) return;
    try {
      if (!(await d.store.renewServerLease(serverId, ops.instanceId, d.clock.now() + ops.leaseMs))) return;
    } catch (err) {
      d.log.warn({ serverId, err: (err as Error).message }, 'lease renewal failed');
    }
  }
}
