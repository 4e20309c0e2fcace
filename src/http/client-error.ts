import type { Socket } from 'node:net';
import { isLingering, isResponding, lingerThenDestroy } from './lingering-close.js';

/** A socket error as Node's HTTP parser reports it (llhttp `HPE_*` codes, request timeouts). */
export interface ConnectionError extends Error {
  code?: string;
}

const REASONS: Record<number, [status: string, detail: string]> = {
  400: ['Bad Request', 'Bad Request'],
  408: ['Request Timeout', 'Request Timeout'],
  431: ['Request Header Fields Too Large', 'Request header fields too large'],
};

/** The status for an error the HTTP layer raises before any route runs. */
export function connectionErrorStatus(err: ConnectionError): 400 | 408 | 431 {
  if (err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT') return 408;
  if (err.code === 'HPE_HEADER_OVERFLOW') return 431;
  return 400;
}

/**
 * Fastify's clientErrorHandler: answers the original's error shape, `{"detail": "…"}`, where
 * Fastify's default writes `{"error", "message", "statusCode"}`, and nothing while a response
 * is being written on the connection. After a parser error (400, 431) the connection closes gracefully: the client
 * may still be sending (headers of a megabyte, a body behind them), and destroying the
 * connection at once would reset it before the answer is read (see lingering-close.ts); the
 * failed parser discards whatever still arrives. After a timeout (408) it is destroyed at once:
 * the parser is sound there and would still hand a late request to the routes.
 */
export function clientErrorHandler(lingerMs: number): (err: ConnectionError, socket: Socket) => void {
  return (err, socket) => {
    if (err.code === 'ECONNRESET' || socket.destroyed || isLingering(socket)) return;
    const status = connectionErrorStatus(err);
    const [text, detail] = REASONS[status]!;
    const body = JSON.stringify({ detail });
    const answered = socket.writable && !isResponding(socket);
    if (answered) {
      socket.write(
        `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
      );
    }
    if (answered && err.code?.startsWith('HPE_')) lingerThenDestroy(socket, lingerMs);
    else socket.destroy(err);
  };
}
