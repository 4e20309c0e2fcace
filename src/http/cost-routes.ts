import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { CostReport } from '../operator/costs.js';

/** GET /v1/costs: spend today, per day, per server and per session (operators). */
export async function costRoutes(app: FastifyInstance, deps: { authorize(req: FastifyRequest): Promise<void>; report(): Promise<CostReport> }): Promise<void> {
  app.get('/v1/costs', { onRequest: deps.authorize }, async () => deps.report());
}
