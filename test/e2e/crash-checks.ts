import type { CloudMachine, CloudUnderTest } from './crash-cloud.js';
import type { Ticket } from './crash-driver.js';
import { post, sleep } from './crash-http.js';
import type { StoreView } from './crash-store-view.js';

/** Our machines that exist now (not deleted), by provider id. */
export function liveMachines(cloud: Pick<CloudUnderTest, 'machines'>): Map<string, CloudMachine> {
  return new Map(
    cloud
      .machines()
      .filter((m) => !m.deleted && m.owned)
      .map((m) => [m.id, m]),
  );
}

/**
 * (a) The cloud and the store agree: every live droplet of ours belongs to exactly one live
 * row (counted: two rows on one droplet are two sessions' worth of one machine), every live
 * row has its droplet, no row is half-way (creating, shutdown...), and nobody registered as an
 * external server. Returns the differences; empty when settled.
 */
export function cloudVersusStore(
  cloud: Pick<CloudUnderTest, 'machines'>,
  store: Pick<StoreView, 'liveServers'>,
): string[] {
  const droplets = liveMachines(cloud);
  const rows = store.liveServers();
  const out: string[] = [];
  const rowsPerDroplet = new Map<string, string[]>();
  for (const r of rows) {
    if (r.origin === 'external')
      out.push(`external row ${r.id} at ${r.ip} (a heartbeat registered a server nobody made)`);
    else if (!r.provider_id || !droplets.has(r.provider_id))
      out.push(`row ${r.id} (${r.state}) has no live droplet (${r.provider_id})`);
    else rowsPerDroplet.set(r.provider_id, [...(rowsPerDroplet.get(r.provider_id) ?? []), r.id]);
    if (!['ready', 'allocated'].includes(r.state)) out.push(`row ${r.id} still ${r.state}`);
  }
  for (const [id, d] of droplets) {
    const owners = rowsPerDroplet.get(id) ?? [];
    if (owners.length === 0) out.push(`orphan droplet ${id} ${d.name} (${d.status})`);
    if (owners.length > 1) out.push(`droplet ${id} ${d.name} has ${owners.length} live rows: ${owners.join(', ')}`);
  }
  return out;
}

/** Waits until cloudVersusStore is empty on `times` polls in a row; returns the last differences. */
export async function waitSettled(
  cloud: Pick<CloudUnderTest, 'machines'>,
  store: StoreView,
  timeoutMs: number,
  times = 6,
): Promise<string[]> {
  const deadline = Date.now() + timeoutMs;
  let streak = 0;
  for (;;) {
    let diff: string[];
    try {
      diff = cloudVersusStore(cloud, store);
    } catch (err) {
      diff = [`store unreadable: ${(err as Error).message}`];
    }
    streak = diff.length === 0 ? streak + 1 : 0;
    if (streak >= times || Date.now() > deadline) return diff;
    await sleep(500);
  }
}

/**
 * (b) answered sessions the driver kept are active with the address they were given (and
 * their code still joins there); (c) no key answered twice differently; (d) every session the
 * driver ended is ended and its droplet deleted. Returns the violations.
 */
export async function checkTickets(
  tickets: Iterable<Ticket>,
  cloud: Pick<CloudUnderTest, 'machines'>,
  store: StoreView,
  baseUrl: string,
): Promise<string[]> {
  const out: string[] = [];
  const byId = new Map(cloud.machines().map((m) => [m.id, m]));
  for (const t of tickets) {
    const first = t.answers[0];
    for (const a of t.answers) {
      if (first && (a.ip !== first.ip || a.code !== first.code))
        out.push(`(c) key ${t.key} answered ${first.ip}/${first.code} and ${a.ip}/${a.code}`);
    }
    if (!first) continue;
    const s = store.sessionByKey(t.key);
    if (!s) {
      out.push(`key ${t.key} answered 200 but names no session`);
      continue;
    }
    const server = s.server_id ? store.server(s.server_id) : null;
    if (t.keep) {
      if (s.state !== 'active') out.push(`(b) kept session ${s.code} is ${s.state} (${s.end_reason})`);
      if (server?.ip !== first.ip) out.push(`(b) kept session ${s.code} is on ${server?.ip}, was given ${first.ip}`);
      const join = await post(`${baseUrl}/sessions/join?game_tag=${s.code.toLowerCase()}`);
      if (join.status !== 200 || JSON.parse(join.body).ip_address !== first.ip)
        out.push(`(b) join ${s.code}: ${join.status} ${join.body}, want ${first.ip}`);
    } else if (t.endState === 'ended') {
      if (s.state !== 'ended' || s.end_reason !== 'server_ended')
        out.push(`(d) ended session ${s.code} is ${s.state} (${s.end_reason})`);
      if (server?.state !== 'deleted') out.push(`(d) server of ended session ${s.code} is ${server?.state}`);
      const droplet = server?.provider_id ? byId.get(server.provider_id) : undefined;
      if (!droplet?.deleted) out.push(`(d) droplet of ended session ${s.code} not deleted (${server?.provider_id})`);
    } else {
      out.push(`ticket ${t.key} answered but neither kept nor ended (${t.endState})`);
    }
  }
  return out;
}
