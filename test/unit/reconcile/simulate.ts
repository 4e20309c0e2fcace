import type { Server, ServerState } from '../../../src/domain/server.js';
import type { EndReason, Session } from '../../../src/domain/session.js';
import type { Machine } from '../../../src/providers/provider.js';
import type { Plan, PlanInput } from '../../../src/reconcile/index.js';

let created = 0;

/**
 * Applies a plan to a snapshot the way the store and a well-behaved provider would (every
 * delete confirmed, every create accepted without an address yet), written independently of
 * the planner, to check that planning again finds nothing left to do.
 */
export function simulate(input: PlanInput, plan: Plan): PlanInput {
  const now = input.nowMs;
  const servers = new Map(input.servers.map((s) => [s.id, { ...s }]));
  const sessions = new Map(input.sessions.map((s) => [s.id, { ...s }]));
  let machines = [...(input.machines ?? [])];
  const set = (id: string, state: ServerState, patch: Partial<Server> = {}) => {
    const s = servers.get(id);
    if (s) servers.set(id, { ...s, ...patch, state });
  };
  const endOn = (serverId: string, reason: EndReason) => {
    for (const x of sessions.values()) if (x.serverId === serverId && x.state !== 'ended') end(x, reason);
  };
  const end = (x: Session, reason: EndReason) =>
    sessions.set(x.id, { ...x, state: 'ended', endReason: reason, endedAtMs: now });

  for (const a of plan.adopt) {
    const s = servers.get(a.serverId)!;
    const m = a.machine;
    if (s.state === 'creating' && m.ip) {
      const ready = input.settings.readiness === 'address';
      set(s.id, ready ? 'ready' : 'starting', {
        providerId: m.providerId,
        ip: m.ip,
        ...(ready ? { readyAtMs: now, lastHeartbeatAtMs: now } : {}),
      });
    } else set(s.id, s.state, { providerId: m.providerId });
  }
  for (const id of plan.promote) set(id, 'ready', { readyAtMs: now, lastHeartbeatAtMs: now });
  // A well-behaved provider answers a lookup of a machine it does not list with 404: lost.
  for (const a of [...plan.markLost, ...plan.lookup]) {
    set(a.serverId, 'deleted');
    endOn(a.serverId, 'server_lost');
  }
  for (const a of plan.bootTimeout) set(a.serverId, 'unhealthy');
  for (const a of plan.heartbeatLost) {
    set(a.serverId, a.to);
    endOn(a.serverId, 'server_lost');
  }
  for (const a of plan.endSession) {
    end(sessions.get(a.sessionId)!, a.reason);
    const s = a.serverId ? servers.get(a.serverId) : undefined;
    if (!s) continue;
    if (s.origin === 'external') set(s.id, 'deleted');
    else if (s.state === 'allocated')
      set(s.id, input.settings.recycleServers ? 'ready' : 'shutdown', { players: 0, readyAtMs: now });
  }
  for (const a of plan.shutdown) set(a.serverId, 'shutdown');
  for (const a of plan.deleteIdle) set(a.serverId, 'shutdown');
  for (const id of plan.offer) {
    const pending = [...sessions.values()]
      .filter((x) => x.state === 'pending')
      .sort((a, b) => a.createdAtMs - b.createdAtMs)[0];
    if (!pending) continue;
    sessions.set(pending.id, { ...pending, state: 'active', serverId: id, activatedAtMs: now, lastPlayedAtMs: now });
    set(id, 'allocated');
  }
  for (let i = 0; i < plan.create; i++) {
    const id = `new-${++created}`;
    const row: Server = {
      id,
      state: 'creating',
      origin: 'digitalocean',
      region: 'local',
      providerId: `p-${id}`,
      ip: null,
      port: null,
      players: 0,
      createdAtMs: now,
      updatedAtMs: now,
      stateChangedAtMs: now,
      readyAtMs: null,
      lastHeartbeatAtMs: null,
      reason: null,
    };
    servers.set(id, row);
    machines.push({
      providerId: row.providerId!,
      serverId: id,
      status: 'new',
      ip: null,
      port: null,
      createdAtMs: now,
      region: null,
    });
  }
  const gone = new Set<string>();
  for (const s of plan.teardown) {
    set(s.id, 'deleted');
    if (s.providerId) gone.add(s.providerId);
  }
  for (const m of plan.deleteOrphan) gone.add(m.providerId);
  machines = machines.filter((m: Machine) => !gone.has(m.providerId));
  return {
    ...input,
    machines: input.machines ? machines : null,
    servers: [...servers.values()].filter((s) => s.state !== 'deleted'),
    sessions: [...sessions.values()].filter((s) => s.state !== 'ended'),
  };
}
