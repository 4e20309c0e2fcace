import type { FastifyInstance } from 'fastify';
import { EndReason } from '../../src/domain/session.js';
import { adminAuthorizer } from '../../src/http/admin-auth.js';
import type { Orchestrator } from '../../src/orchestrator.js';

/**
 * Stands in for `DELETE /v1/sessions/{code}`, which branch i9 builds (the /v1 API), so the
 * dashboard's "end session" can be driven end to end on this branch. It does the real thing
 * (the core's endSession); at merge the real route replaces it and this file goes.
 */
export function endSessionStandIn(get: () => Orchestrator, adminToken: string) {
  return async (app: FastifyInstance) => {
    const authorize = adminAuthorizer(adminToken, () => Date.now());
    app.delete('/v1/sessions/:code', { onRequest: authorize }, async (req, reply) => {
      const orch = get();
      const session = await orch.store.findLiveSessionByCode((req.params as { code: string }).code);
      if (!session) return reply.code(404).send({ error: { code: 'not_found', message: 'No live session with that code.' } });
      await orch.ops.endSession(orch.store, session, EndReason.Cancelled);
      return reply.code(204).send();
    });
  };
}
