import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import { safeEqual } from '../domain/hmac.js';
import { bearerToken, type OperatorAuthThrottle } from './admin-auth.js';
import { clientAddress } from './client-address.js';
import { errors } from './v1/schemas.js';

export interface OperatorRoutesDeps {
  adminToken: string | null;
  /** Wrong tokens per address (see admin-auth.ts). */
  throttle?: OperatorAuthThrottle;
  /** What operators see: counts by state, the reconciler's health, the outage guard. */
  status(): Promise<Record<string, unknown>>;
}

/** Operator routes, behind `Authorization: Bearer $ADMIN_TOKEN`. */
export async function operatorRoutes(app: FastifyInstance, deps: OperatorRoutesDeps): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const authorize = async (req: FastifyRequest) => {
    if (!deps.adminToken)
      throw new OrchestratorError('unavailable', 'Operator endpoints are disabled: set ADMIN_TOKEN.');
    if (req.headers.authorization) await deps.throttle?.check(clientAddress(req));
    if (safeEqual(bearerToken(req) ?? '', deps.adminToken)) return;
    if (req.headers.authorization) await deps.throttle?.failed(clientAddress(req));
    throw new OrchestratorError('unauthorized', 'A valid operator token is required.');
  };
  routes.get(
    '/v1/status',
    {
      onRequest: authorize,
      schema: {
        summary: "The service's version, servers and sessions by state, the reconciler, the outage guard (operators)",
        tags: ['operators'],
        description: 'Needs `Authorization: Bearer $ADMIN_TOKEN`.',
        response: {
          200: Type.Record(Type.String(), Type.Unknown(), {
            description: "Counts and the loop's health",
            examples: [
              {
                version: '0.1.0',
                provider: 'local',
                servers: { ready: 1, allocated: 1 },
                sessions: { pending: 0, active: 1 },
                reconciler: { lastPassAtMs: 1764489600000, lastError: null, outage: null },
              },
            ],
          }),
          ...errors(401, 503),
        },
      },
    },
    async () => deps.status(),
  );
}
