import type { Socket } from 'node:net';

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
 * Fastify's default writes `{"error", "message", "statusCode"}`. The socket is closed after
 * (the parser's state is unknown), and nothing is written when a response already began.
 */
export function clientErrorHandler(err: ConnectionError, socket: Socket): void {
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const status = connectionErrorStatus(err);
  const [text, detail] = REASONS[status]!;
  const body = JSON.stringify({ detail });
  if (socket.writable && socket.bytesWritten === 0) {
    socket.write(
      `HTTP/1.1 ${status} ${text}\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\n\r\n${body}`,
    );
  }
  socket.destroy(err);
}
