import type { IncomingMessage } from 'node:http';

/** A request timeout as Node's own deadline raises it: the clientError handler answers 408. */
export interface BodyTimeout extends Error {
  code: 'ERR_HTTP_REQUEST_TIMEOUT';
}

/**
 * Issue 21 item 3: a body sent slowly was held 90 s, because the one request deadline Node has
 * (REQUEST_TIMEOUT_MS) had been set to outlast a waiting start. The body gets its own:
 * BODY_TIMEOUT_MS from the end of the headers. A start's wait for a server begins once its
 * body has arrived, so this deadline never cuts it. Called when the headers are in; `late`
 * gets the error to raise when the body is not in by then.
 */
export function watchBody(req: IncomingMessage, timeoutMs: number, late: (err: BodyTimeout) => void): void {
  const { headers } = req;
  const hasBody = headers['transfer-encoding'] !== undefined || Number(headers['content-length'] ?? 0) > 0;
  if (!hasBody || req.complete) return;
  const timer = setTimeout(() => {
    if (req.complete || req.socket.destroyed) return;
    const err = new Error(`the request body did not arrive within ${timeoutMs} ms`) as BodyTimeout;
    err.code = 'ERR_HTTP_REQUEST_TIMEOUT';
    late(err);
  }, timeoutMs);
  const clear = () => clearTimeout(timer);
  req.once('end', clear);
  req.once('close', clear);
}
