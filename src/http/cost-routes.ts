import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import type { CostReport } from '../operator/costs.js';
import { costsSchema } from './cost-schemas.js';

/** GET /v1/costs: spend today, per day, per server and per session (operators). */
export async function costRoutes(
  app: FastifyInstance,
  deps: { authorize: (req: FastifyRequest) => Promise<void>; report(): Promise<CostReport> },
): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get('/v1/costs', { onRequest: deps.authorize, schema: costsSchema }, async () => {
    try {
      return await deps.report();
    } catch {
      // The provider's price list is out of reach; say so rather than guess.
      throw new OrchestratorError(
        'unavailable',
        'Prices are unavailable: the provider did not answer. Try again shortly.',
        30,
      );
    }
  });
}
