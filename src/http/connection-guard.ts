import type { FastifyBaseLogger } from 'fastify';
import type { IncomingMessage, RequestListener, Server, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';
import { addressBucket, canonicalIp } from '../domain/ip-address.js';
import type { ConnectionCaps } from '../guard/guard-config.js';
import { watchBody } from './body-deadline.js';
import { CapLog, type CapName } from './cap-log.js';
import { lingerIfUnread, trackResponse } from './lingering-close.js';

/** What a connection admitted into the health reserve may ask. */
const HEALTH_PATHS = new Set(['/healthz', '/readyz', '/metrics']);

/** Seconds a client refused inside the reserve is told to wait. */
const RETRY_AFTER_S = 5;

export interface ConnectionGuardDeps {
  caps: ConnectionCaps;
  /** CLOSE_LINGER_MS: see lingering-close.ts. */
  lingerMs: number;
  /** BODY_TIMEOUT_MS: see body-deadline.ts. */
  bodyTimeoutMs: number;
  log?: FastifyBaseLogger;
  now: () => number;
  /** Counts each refused connection by the cap that refused it (/metrics). */
  onRefused?: (cap: CapName) => void;
}

/**
 * Issue 21 item 3: 20,600 connections sending bodies slowly took every file descriptor, and
 * /healthz stopped answering with nothing logged. Open connections are capped in total
 * (MAX_CONNECTIONS) and per client address (MAX_CONNECTIONS_PER_ADDRESS, the socket's address:
 * headers are not read yet, so TRUST_PROXY cannot apply). A connection past a cap is closed at
 * once, before any of it is read, which costs the event loop next to nothing.
 *
 * Health on the same listener: past MAX_CONNECTIONS, HEALTH_CONNECTIONS_RESERVE more are
 * admitted, and a request on one of those is served only for GET /healthz, /readyz or
 * /metrics (with `Connection: close`, so a probe gives its place back); anything else is
 * answered 503 with Retry-After, before its body is read. Only past the reserve too does Node
 * itself refuse connections (server.maxConnections). Every refusal is counted and logged at
 * most once per CONNECTION_CAP_LOG_INTERVAL_MS and cap.
 */
export class ConnectionGuard {
  private open = 0;
  private readonly perAddress = new Map<string, number>();
  /** Remote endpoints (address and port) admitted into the reserve: a TLS request's socket is not the one accepted. */
  private readonly healthOnly = new Set<string>();
  private readonly capLog: CapLog;
  private server: Server | null = null;
  /** MAX_CONNECTIONS in force (lowered for the open-file limit). */
  private maxConnections = 0;

  constructor(private readonly d: ConnectionGuardDeps) {
    this.capLog = new CapLog({
      log: d.log,
      now: d.now,
      intervalMs: d.caps.logIntervalMs,
      open: () => this.open,
      onRefused: d.onRefused,
    });
  }

  /** Caps `server`'s connections; `maxConnections` is MAX_CONNECTIONS as lowered for the open-file limit. */
  attach(server: Server, maxConnections: number): void {
    const { healthReserve } = this.d.caps;
    this.server = server;
    this.maxConnections = maxConnections;
    if (maxConnections > 0) {
      server.maxConnections = maxConnections + healthReserve;
      // Past the reserve too: Node closes the connection before any of it reaches this code.
      server.on('drop', (data?: { remoteAddress?: string }) =>
        this.capLog.refused('MAX_CONNECTIONS', maxConnections, data?.remoteAddress),
      );
    }
    server.on('connection', (socket: Socket) => this.admit(socket));
    server.once('close', () => this.capLog.stop());
  }

  /** The HTTP handler, behind the reserve's rule, the body's deadline and the lingering close. */
  handler(next: RequestListener): RequestListener {
    return (req, res) => {
      trackResponse(req, res);
      if (this.healthOnly.size > 0 && this.healthOnly.has(endpoint(req.socket))) return this.reserved(req, res, next);
      lingerIfUnread(req, this.d.lingerMs);
      // Answered as Node's own request deadline is: by the clientError handler (408, then closed).
      watchBody(req, this.d.bodyTimeoutMs, (err) => this.server?.emit('clientError', err, req.socket));
      next(req, res);
    };
  }

  /**
   * A request on a connection admitted into the health reserve: a probe is served, anything
   * else refused before its body is read, and the connection closes after the answer. No
   * lingering here: the reserve's places are few, and a probe has nothing left to send.
   */
  private reserved(req: IncomingMessage, res: ServerResponse, next: RequestListener): void {
    res.setHeader('connection', 'close');
    if (isHealthProbe(req)) return next(req, res);
    this.capLog.refused('MAX_CONNECTIONS', this.maxConnections, req.socket.remoteAddress);
    refuse(req, res);
  }

  private admit(socket: Socket): void {
    const address = socket.remoteAddress;
    if (address === undefined) {
      socket.destroy();
      return;
    }
    const bucket = addressBucket(canonicalIp(address) ?? address);
    const held = this.perAddress.get(bucket) ?? 0;
    const { perAddress } = this.d.caps;
    if (perAddress > 0 && held >= perAddress) {
      this.capLog.refused('MAX_CONNECTIONS_PER_ADDRESS', perAddress, bucket);
      socket.destroy();
      return;
    }
    this.perAddress.set(bucket, held + 1);
    this.open++;
    const key = endpoint(socket);
    const reserved = this.maxConnections > 0 && this.open > this.maxConnections;
    if (reserved) this.healthOnly.add(key);
    socket.once('close', () => {
      this.open--;
      const left = (this.perAddress.get(bucket) ?? 1) - 1;
      if (left > 0) this.perAddress.set(bucket, left);
      else this.perAddress.delete(bucket);
      if (reserved) this.healthOnly.delete(key);
    });
  }
}

function endpoint(socket: Socket): string {
  return `${socket.remoteAddress}|${socket.remotePort}`;
}

function isHealthProbe(req: IncomingMessage): boolean {
  const url = req.url ?? '';
  const q = url.indexOf('?');
  return (req.method === 'GET' || req.method === 'HEAD') && HEALTH_PATHS.has(q === -1 ? url : url.slice(0, q));
}

/** 503 in the shape of the surface asked (/v1 or the original's), before the body is read. */
function refuse(req: IncomingMessage, res: ServerResponse): void {
  const message = 'Too many connections; try again shortly';
  const url = req.url ?? '';
  const v1 = url === '/v1' || url.startsWith('/v1/') || url.startsWith('/v1?');
  const body = JSON.stringify(v1 ? { error: { code: 'unavailable', message } } : { detail: message });
  res.writeHead(503, {
    'content-type': 'application/json; charset=utf-8',
    'content-length': Buffer.byteLength(body),
    'retry-after': String(RETRY_AFTER_S),
  });
  res.end(body);
}

/** Leaves this many descriptors for the database, logs, game-server pipes and outgoing calls. */
const FILE_HEADROOM = 256;

/**
 * MAX_CONNECTIONS as the process can hold it: a cap above the open-file limit never bites
 * (accept fails first, and then /healthz too). Below `fileLimit` less a headroom (at least
 * half the limit stays for connections), less the health reserve.
 */
export function connectionCapWithin(maxConnections: number, healthReserve: number, fileLimit: number | null): number {
  if (fileLimit === null || maxConnections === 0) return maxConnections;
  const room = Math.max(Math.floor(fileLimit / 2), fileLimit - FILE_HEADROOM) - healthReserve;
  return Math.max(1, Math.min(maxConnections, room));
}
