import type { FastifyRequest } from 'fastify';
import { canonicalIp } from '../domain/ip-address.js';

/**
 * The client's address in one spelling, for rate limits on every surface: a dual-stack
 * socket says `::ffff:a.b.c.d` for an IPv4 client, and that is the same client as `a.b.c.d`.
 */
export function clientAddress(req: FastifyRequest): string {
  return canonicalIp(req.ip) ?? req.ip;
}
