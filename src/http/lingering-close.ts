import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Socket } from 'node:net';

/**
 * Issue 21 item 4: a client posting 5 MB never saw its 413. The answer goes out after the
 * first bytes of the body, with `Connection: close`, and Node then destroys the connection as
 * soon as the answer is written; the kernel answers the bytes still arriving with a reset, and
 * a client still writing (Node's fetch, curl) fails with EPIPE or ECONNRESET before it reads
 * the answer. A lingering close (as nginx and Apache do) half-closes instead, reads and discards
 * what still arrives, and destroys the connection once the client closes its side or
 * `lingerMs` have passed, whichever is first. The connection counts against the connection
 * caps until then.
 */
const lingering = new WeakSet<Socket>();

/** Whether the connection is already closing by lingerThenDestroy. */
export function isLingering(socket: Socket): boolean {
  return lingering.has(socket);
}

/** Half-closes once what was written has gone, drains, and destroys after `lingerMs` at the latest. */
export function lingerThenDestroy(socket: Socket, lingerMs: number): void {
  if (socket.destroyed || lingering.has(socket)) return;
  lingering.add(socket);
  const timer = setTimeout(() => socket.destroy(), lingerMs);
  timer.unref();
  socket.once('close', () => clearTimeout(timer));
  socket.end();
  // Reading goes on through the HTTP parser: the answered request's body is dumped by Node,
  // and a parser that failed (400, 431) discards everything after the failure.
}

const responding = new WeakMap<Socket, ServerResponse>();

/**
 * Remembers the response being written on the connection until it is done: an error of the
 * parser (or a deadline) must not be answered in the middle of a response already begun (a
 * pipelined request). Before its headers go out, or between the requests of a kept-alive
 * connection, it is answered like on a new connection.
 */
export function trackResponse(req: IncomingMessage, res: ServerResponse): void {
  const socket = req.socket;
  responding.set(socket, res);
  const done = () => {
    if (responding.get(socket) === res) responding.delete(socket);
  };
  res.once('finish', done);
  res.once('close', done);
}

/** Whether a response has begun on the connection (its headers are out) and is not done. */
export function isResponding(socket: Socket): boolean {
  return responding.get(socket)?.headersSent === true;
}

const lastRequest = new WeakMap<Socket, IncomingMessage>();

/**
 * Called for each request: when Node closes the connection after answering it (its answer said
 * `Connection: close`) while the request has not fully arrived, the close lingers. A request
 * read in full closes at once, as before: there is nothing left to drain.
 */
export function lingerIfUnread(req: IncomingMessage, lingerMs: number): void {
  const socket = req.socket;
  const patched = lastRequest.has(socket);
  lastRequest.set(socket, req);
  if (patched) return;
  // Node's server closes with socket.destroySoon() once a `Connection: close` answer is written
  // (resOnFinish in lib/_http_server.js); it has no other hook at that moment.
  const destroySoon = socket.destroySoon.bind(socket);
  socket.destroySoon = () => {
    if (lastRequest.get(socket)?.complete === false) lingerThenDestroy(socket, lingerMs);
    else destroySoon();
  };
}
