import { randomUUID } from 'node:crypto';
import { timeOrderedId } from '../src/util/ids.js';
import type { Server } from '../src/domain/server.js';
import { createStore } from '../src/store/create-db.js';
import type { Store } from '../src/store/store.js';
import { signedHeaders } from '../test/helpers/sign.js';
import { dynamicRequest, runLoad } from './load.js';

/** What prepopulate needs of a store: this build's, or an earlier build's loaded from its dist/. */
export type OpenStore = (o: { kind: 'sqlite'; path: string }) => Promise<{
  transaction<T>(fn: (tx: { insertServer(s: Server): Promise<void> }) => Promise<T>): Promise<T>;
  insertServer(s: Server): Promise<void>;
  insertSession(s: Parameters<Store['insertSession']>[0]): Promise<boolean>;
  close(): Promise<void>;
}>;

/** Distinct addresses in one /8 block: `block.x.y.z` for n up to 2^24. */
export function ipAt(block: number, n: number): string {
  return `${block}.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`;
}

/** A signed heartbeat request, fresh signature each time (the body carries ip and players). */
export function heartbeatRequest(key: string, ip: string, players: number) {
  const body = JSON.stringify({ droplet_ip: ip, connected_clients: players });
  return {
    method: 'POST',
    path: '/server/heartbeat',
    headers: { 'content-type': 'application/json', ...signedHeaders(key, 'POST', '/server/heartbeat', body) },
    body,
  };
}

export interface RegisterOptions {
  url: string;
  key: string;
  /** First octet of the addresses. */
  block: number;
  /**
   * Index of the next address; advanced past every address used. Shared between calls so an
   * address is never registered twice (autocannon may build more requests than it counts).
   */
  next: { n: number };
  count: number;
  /** 0 registers ready servers (claimable by starts); more registers busy ones. */
  players: number;
}

/** Registers `count` external servers by signed heartbeats from new addresses; returns how many got 200. */
export async function registerByHeartbeat(o: RegisterOptions): Promise<number> {
  const r = await runLoad({
    url: o.url,
    connections: Math.min(50, o.count),
    amount: o.count,
    request: dynamicRequest(() => heartbeatRequest(o.key, ipAt(o.block, o.next.n++), o.players)),
  });
  return r.ok;
}

/** Starts one session on a freshly registered ready server; returns its share code. */
export async function startOneSession(url: string, key: string, ip: string): Promise<string> {
  const hb = heartbeatRequest(key, ip, 0);
  const reg = await fetch(`${url}${hb.path}`, { method: 'POST', headers: hb.headers, body: hb.body });
  if (!reg.ok) throw new Error(`heartbeat for the join fixture failed: ${reg.status} ${await reg.text()}`);
  const res = await fetch(`${url}/sessions/start`, { method: 'POST' });
  if (!res.ok) throw new Error(`start for the join fixture failed: ${res.status} ${await res.text()}`);
  return ((await res.json()) as { share_tag: string }).share_tag;
}

/** An external server row as a signed heartbeat registers it. */
export function externalServer(ip: string, players: number, nowMs: number): Server {
  return {
    id: timeOrderedId(nowMs),
    state: players > 0 ? 'allocated' : 'ready',
    origin: 'external',
    region: 'local',
    providerId: null,
    ip,
    port: null,
    players,
    createdAtMs: nowMs,
    updatedAtMs: nowMs,
    stateChangedAtMs: nowMs,
    readyAtMs: nowMs,
    lastHeartbeatAtMs: nowMs,
    reason: null,
  };
}

/**
 * Writes the fixtures straight into a fresh SQLite file through the store (used before a
 * profiled run, so the profile holds the measured case and not the set-up). Returns the
 * share code of one active session.
 */
export async function prepopulate(
  dbPath: string,
  o: { readyServers: number; busyServers: number; busyBlock: number; readyBlock: number },
  openStore: OpenStore = createStore,
): Promise<string> {
  const store = await openStore({ kind: 'sqlite', path: dbPath });
  const now = Date.now();
  try {
    await store.transaction(async (tx) => {
      for (let i = 0; i < o.busyServers; i++) await tx.insertServer(externalServer(ipAt(o.busyBlock, i), 1, now));
      for (let i = 0; i < o.readyServers; i++) await tx.insertServer(externalServer(ipAt(o.readyBlock, i), 0, now));
    });
    const host = externalServer(ipAt(o.busyBlock, o.busyServers), 0, now);
    host.state = 'allocated';
    await store.insertServer(host);
    const code = 'BENCH2';
    await store.insertSession({
      id: randomUUID(),
      code,
      state: 'active',
      serverId: host.id,
      createdAtMs: now,
      activatedAtMs: now,
      endedAtMs: null,
      endReason: null,
      lastPlayedAtMs: now,
      coldStart: false,
      region: 'local',
      placement: null,
    });
    return code;
  } finally {
    await store.close();
  }
}

/**
 * Registers `count` ready servers and starts a session on each (16 starts at a time); returns
 * their share codes. The join cases ask for a different one of them on every request.
 */
/**
 * `count` public /v1 sessions of mode `duel` with free seats (the lobbies case lists them),
 * each on a server registered by heartbeat in `block`.
 */
export async function startPublicSessions(url: string, key: string, block: number, count: number): Promise<void> {
  const registered = await registerByHeartbeat({ url, key, block, next: { n: 0 }, count, players: 0 });
  if (registered !== count) throw new Error(`registered ${registered} of ${count} servers for the public sessions`);
  for (let i = 0; i < count; i++) {
    const res = await fetch(`${url}/v1/sessions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        public: true,
        mode: 'duel',
        max_players: 8,
        attributes: { map: i % 2 ? 'harbour' : 'dunes' },
      }),
    });
    if (res.status !== 201) throw new Error(`public session start failed: ${res.status} ${await res.text()}`);
  }
}

export async function startLiveSessions(url: string, key: string, block: number, count: number): Promise<string[]> {
  const registered = await registerByHeartbeat({ url, key, block, next: { n: 0 }, count, players: 0 });
  if (registered !== count) throw new Error(`registered ${registered} of ${count} servers for the live sessions`);
  const codes: string[] = [];
  let asked = 0;
  const worker = async () => {
    while (asked++ < count) {
      const res = await fetch(`${url}/sessions/start`, { method: 'POST' });
      if (!res.ok) throw new Error(`start for the live sessions failed: ${res.status} ${await res.text()}`);
      codes.push(((await res.json()) as { share_tag: string }).share_tag);
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
  return codes;
}
