import { isBeforeReady, ServerState } from '../domain/server.js';
import type { ApplyDeps } from './apply-tally.js';
import { isBootOverdue } from './plan-servers.js';
import type { AdoptAction, ServerStep } from './types.js';

/**
 * Records a listed machine on its row. When that fails (a store error, a constraint), the row
 * must not outlive its boot deadline because of it: the plan assumed the adopt, so the pass's
 * own boot-timeout step looked for a row already `starting` (or `ready`) and skipped the one
 * still `creating`, every pass, while its machine ran and was billed (issue 21 item 5). A row
 * past its deadline goes to unhealthy here (the next pass shuts it down and deletes the
 * machine); the error is still reported.
 */
export async function adoptWithinDeadline(d: ApplyDeps, a: AdoptAction): Promise<boolean> {
  try {
    await d.ops.recordMachine(a.serverId, a.machine, true);
    return true;
  } catch (err) {
    const s = await d.store.getServer(a.serverId);
    if (s && isBootOverdue(s, d.clock.now(), d.settings.bootTimeoutS)) {
      const why = err instanceof Error ? err.message : String(err);
      const reason = `not ready within ${d.settings.bootTimeoutS} s (boot timeout); recording its machine failed: ${why}`;
      await d.ops.moveNow(s.id, [s.state], ServerState.Unhealthy, { reason });
    }
    throw err;
  }
}

/** A boot timeout holds whatever pre-ready state the row is really in (the plan's guess may be ahead of it). */
export async function timeOutBoot(d: ApplyDeps, a: ServerStep): Promise<boolean> {
  const s = await d.store.getServer(a.serverId);
  if (!s || !isBeforeReady(s.state)) return false;
  return (await d.ops.moveNow(s.id, [s.state], ServerState.Unhealthy, { reason: a.reason })) !== null;
}
