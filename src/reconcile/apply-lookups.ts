import { ServerState } from '../domain/server.js';
import { EndReason } from '../domain/session.js';
import type { ApplyDeps, ApplyTally } from './apply-tally.js';
import { markLost } from './apply-state-steps.js';
import type { LookupAction, Plan } from './types.js';

/**
 * Rows whose machine the tag listing lacks are asked about by id before anything is
 * concluded: gone (404) → the row is lost as before; still there → adopted (our tag added,
 * so the next listing shows it and the usual rules manage it) or, with a provider that
 * cannot adopt, shut down so its teardown deletes it. Never a row forgotten while its
 * machine runs on, billed and unmanaged. A lookup that fails changes nothing (next pass).
 */
export async function applyLookups(d: ApplyDeps, plan: Pick<Plan, 'lookup'>, t: ApplyTally): Promise<void> {
  await t.all(
    'lookup',
    plan.lookup,
    (a) => ({ serverId: a.serverId, providerId: a.providerId }),
    (a) => lookUp(d, a),
  );
}

async function lookUp(d: ApplyDeps, a: LookupAction): Promise<boolean> {
  const row = await d.store.getServer(a.serverId);
  // Moved since the snapshot (a heartbeat, an end, a claim): the next pass judges it afresh.
  if (row?.state !== a.from || row.providerId !== a.providerId) return false;
  const machine = await d.provider.get(a.providerId);
  if (!machine) return markLost(d, { serverId: a.serverId, from: a.from, reason: 'machine gone (looked up by id)' });
  if (d.provider.adopt) {
    await d.provider.adopt(a.providerId);
    d.log.warn(
      { serverId: a.serverId, providerId: a.providerId },
      'adopted a machine missing from the tag listing (made under another tag): our tag added',
    );
    await d.ops.recordMachine(a.serverId, machine, true);
    return true;
  }
  const reason = 'machine not listed as ours and the provider cannot adopt it: deleted';
  return d.store.transaction(async (tx) => {
    if (!(await d.ops.move(tx, a.serverId, [a.from], ServerState.Shutdown, { reason }))) return false;
    const session = await tx.findLiveSessionByServer(a.serverId);
    if (session) await d.ops.endSession(tx, session, EndReason.ServerLost);
    return true;
  });
}
