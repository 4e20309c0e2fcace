import type { FastifyInstance } from 'fastify';
import type { EmulatorCore } from '../core.js';
import { badRequest } from '../errors.js';
import { sendNoContent } from '../http-util.js';

/**
 * The test-and-rehearsal control API, outside `/v2`: no auth, no rate limit, no faults, not
 * counted. Lets a test (or an operator's script) change faults (account-wide, or a region's:
 * closed, sizes sold out, faults of its own), read every droplet (deleted
 * ones with their deletion time), read or clear request counts, and reset the account.
 */
export function controlRoutes(app: FastifyInstance, core: EmulatorCore): void {
  app.get('/_emulator/faults', async () => core.faults());

  app.put('/_emulator/faults', async (req) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('expected a JSON object of faults');
    try {
      return core.setFaults(body);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  });

  app.get('/_emulator/regions', async () => core.regions.list());

  app.put<{ Params: { slug: string } }>('/_emulator/regions/:slug', async (req) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw badRequest('expected a JSON object: {available?, soldOut?, faults?}');
    try {
      return core.regions.set(req.params.slug, body);
    } catch (err) {
      throw badRequest((err as Error).message);
    }
  });

  app.get('/_emulator/state', async () => ({
    nowMs: core.nowMs(),
    droplets: core.droplets(),
    tags: core.world.tags.list(),
    faults: core.faults(),
    regions: core.regions.list(),
    requestCounts: core.requestCounts(),
    deletes: core.deleteStats(),
  }));

  app.get('/_emulator/requests', async () => core.requestCounts());

  app.delete('/_emulator/requests', async (_req, reply) => {
    core.resetCounts();
    return sendNoContent(reply);
  });

  app.post('/_emulator/reset', async (_req, reply) => {
    core.reset();
    return sendNoContent(reply);
  });
}
