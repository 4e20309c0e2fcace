import { setTimeout as delay } from 'node:timers/promises';
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { EmulatorCore } from './core.js';
import type { Faults } from './options.js';
import type { Rng } from './rng.js';
import { MSG, cloudflareHtml } from './errors.js';
import { sendError } from './http-util.js';

const FAULT_STATUSES = [500, 502, 503, 504] as const;

/**
 * Draws this request's faults, in a fixed order (drop, error, slow) so a seed replays the
 * same run. Returns the reply when a fault answered (or hijacked) it, undefined to go on.
 */
export async function applyRequestFaults(
  core: EmulatorCore,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<FastifyReply | undefined> {
  return (await drawFaults(core, core.faults(), req, reply, (r) => sendServerFault(core, r))) ? reply : undefined;
}

/**
 * The drop/error/slow faults a region has of its own (region-controls.ts), drawn for a request
 * that concerns it once the region is known (a create's body, a droplet's record). Regions
 * without such faults draw nothing, so a seed replays runs that use none the same as before.
 * True when a fault answered (or hijacked) the request.
 */
export async function applyRegionFaults(
  core: EmulatorCore,
  regionSlug: string | null,
  req: FastifyRequest,
  reply: FastifyReply,
): Promise<boolean> {
  if (!core.regions.hasRequestFaults(regionSlug)) return false;
  const own = core.regions.get(regionSlug as string).faults;
  const f = { dropRate: 0, errorRate: 0, slowRate: 0, slowMs: core.faults().slowMs, ...own };
  return drawFaults(core, f, req, reply, (r) => sendServerFault(core, r));
}

/** What fault drawing needs of an emulator: its seeded RNG, and a signal aborted when it closes. */
export interface FaultHost {
  readonly rng: Rng;
  readonly closedSignal: AbortSignal;
}

/**
 * Draws a request's faults in a fixed order (drop, error, slow) so a seed replays the same run;
 * `serverFault` answers an error draw in the emulated cloud's own shape (each emulator has one).
 * True when a fault answered (or hijacked) the request. Returns a boolean, not the reply: a
 * reply is thenable (it resolves when sent), so an async function must not return it as a value.
 */
export async function drawFaults(
  core: FaultHost,
  f: Pick<Faults, 'dropRate' | 'errorRate' | 'slowRate' | 'slowMs'>,
  req: FastifyRequest,
  reply: FastifyReply,
  serverFault: (reply: FastifyReply) => FastifyReply,
): Promise<boolean> {
  if (core.rng.chance(f.dropRate)) return answered(dropConnection(req, reply));
  if (core.rng.chance(f.errorRate)) return answered(serverFault(reply));
  if (core.rng.chance(f.slowRate) && f.slowMs > 0) {
    try {
      await delay(f.slowMs, undefined, { signal: core.closedSignal });
    } catch {
      // The emulator is closing: a held request ends like a dropped one, not after slowMs.
      return answered(dropConnection(req, reply));
    }
  }
  return false;
}

function answered(_reply: FastifyReply): true {
  return true;
}

/** Destroys the socket without a byte of answer: the client sees a hang-up. */
export function dropConnection(req: FastifyRequest, reply: FastifyReply): FastifyReply {
  reply.hijack();
  const socket: { destroy?: unknown } | undefined = req.raw.socket;
  if (typeof socket?.destroy === 'function') req.raw.socket.destroy();
  // Under inject() the socket is a mock without destroy(); closing the response rejects the inject instead.
  else reply.raw.destroy();
  return reply;
}

/**
 * A 500, 502, 503 or 504. 502 and 504 come from the edge as Cloudflare's HTML page; a 503 is
 * HTML or JSON at random; a 500 is the API's JSON `server_error`.
 */
export function sendServerFault(core: EmulatorCore, reply: FastifyReply): FastifyReply {
  const status = core.rng.pick(FAULT_STATUSES);
  const html = status === 502 || status === 504 || (status === 503 && core.rng.chance(0.5));
  if (html) return reply.code(status).type('text/html').send(cloudflareHtml(status));
  if (status === 503) return sendError(reply, 503, 'service_unavailable', 'Service is temporarily unavailable.');
  return sendError(reply, status, 'server_error', MSG.serverError);
}
