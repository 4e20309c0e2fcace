import type { ServerOps } from '../fleet/server-ops.js';
import type { Store } from '../store/store.js';
import type { Clock } from '../util/clock.js';
import type { Log } from '../util/log.js';

/** What every session use case is built on; the composition root makes it once. */
export interface SessionDeps {
  store: Store;
  ops: ServerOps;
  clock: Clock;
  log: Log;
  /** Asks the reconciler for a pass soon (capacity changed). */
  reconcileSoon: () => void;
}

/** A game server as a caller names it: by its id (its own credential) or by its address (the shared key). */
export type ServerRef = { id: string } | { ip: string };

/**
 * A verified request signature not yet remembered: the use case remembers it as the first
 * statement of its own transaction and refuses the request if it was already used (a replay),
 * so the replay check and the work share one commit.
 */
export interface Unspent {
  signature: string;
  expiresAtMs: number;
}

/** Who is calling a server route: a per-server credential names its server (http/server-auth.ts). */
export interface ServerCaller {
  serverId: string | null;
  unspent?: Unspent;
}
