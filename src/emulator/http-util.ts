import type { FastifyReply, FastifyRequest } from 'fastify';
import { errorBody } from './errors.js';
import type { PageRequest } from './pagination.js';
import type { RateDecision } from './rate-limiter.js';

export const JSON_TYPE = 'application/json; charset=utf-8';

/** The emulator's own base URL as the client reached it (links and hrefs are built on it). */
export function baseUrl(req: FastifyRequest): string {
  return `${req.protocol}://${req.host}`;
}

/** The query string in the order it was sent. */
export function queryOf(req: FastifyRequest): URLSearchParams {
  const q = req.url.indexOf('?');
  return new URLSearchParams(q >= 0 ? req.url.slice(q + 1) : '');
}

export function pageRequest(req: FastifyRequest, path: string): PageRequest {
  return { baseUrl: baseUrl(req), path, query: queryOf(req) };
}

/** The x-request-id this response carries (set for every request in onRequest). */
export function requestIdOf(reply: FastifyReply): string {
  return String(reply.getHeader('x-request-id') ?? '');
}

/** Sends a DO error body `{id, message, request_id}`. */
export function sendError(reply: FastifyReply, status: number, errorId: string, message: string): FastifyReply {
  return reply
    .code(status)
    .type(JSON_TYPE)
    .send(errorBody(errorId, message, requestIdOf(reply)));
}

export function setRateHeaders(reply: FastifyReply, d: RateDecision): void {
  reply.header('ratelimit-limit', String(d.limit));
  reply.header('ratelimit-remaining', String(d.remaining));
  reply.header('ratelimit-reset', String(d.resetS));
  if (d.retryAfterS !== undefined) reply.header('retry-after', String(d.retryAfterS));
}

/** 204 with an empty body; DO's 204s still declare a JSON content type. */
export function sendNoContent(reply: FastifyReply): FastifyReply {
  return reply.code(204).type(JSON_TYPE).send();
}

/** A numeric path id, or null when the segment is not a positive integer. */
export function numericId(raw: string | undefined): number | null {
  if (raw === undefined || !/^\d{1,15}$/.test(raw)) return null;
  const n = Number(raw);
  return n >= 1 ? n : null;
}
