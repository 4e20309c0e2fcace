import type { FastifyInstance } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';

/** A number as a query string may spell one, decimal or with an exponent, or Infinity itself. */
const NUMERIC = /^[+-]?(?:(?:\d+\.?\d*|\.\d+)(?:e[+-]?\d+)?|infinity)$/i;

/**
 * Refuses a query value that reads as a number too large to be one (`1e309`, `Infinity`)
 * before validation: ajv coerces it to Infinity and lets it past `maximum`, and the database
 * then failed with `datatype mismatch` (a 500; issue 21 item 8). Opaque strings (cursors,
 * codes) are never such numbers, so nothing valid is refused. Our own API (`/v1`) only: the
 * original routes keep the original's answers to anything.
 */
export function refuseInfiniteNumbers(app: FastifyInstance): void {
  app.addHook('preValidation', async (req) => {
    if (!req.url.startsWith('/v1/')) return;
    const q: unknown = req.query;
    if (!q || typeof q !== 'object') return;
    const entries: [string, unknown][] = Object.entries(q);
    for (const [name, raw] of entries) {
      const values: unknown[] = Array.isArray(raw) ? raw : [raw];
      for (const v of values) {
        if (typeof v === 'string' && NUMERIC.test(v.trim()) && !Number.isFinite(Number(v)))
          throw new OrchestratorError('invalid_input', `${name} is not a finite number`);
      }
    }
  });
}
