import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { RegionPlacement } from '../../sessions/placement-offers.js';
import type { Store } from '../../store/store.js';
import type { Clock } from '../../util/clock.js';
import { errors } from './schemas.js';
import { RegionList, regionView } from './placement-schemas.js';

export interface RegionRoutesDeps {
  placement: RegionPlacement;
  store: Store;
  clock: Clock;
  guard: (req: FastifyRequest) => Promise<void>;
}

/** Latency discovery (issue 23): the fleet's regions, each with its state, ready servers and a ping target. */
export async function regionRoutes(app: FastifyInstance, deps: RegionRoutesDeps): Promise<void> {
  app.addHook('onRequest', deps.guard);
  app.withTypeProvider<TypeBoxTypeProvider>().get(
    '/regions',
    {
      schema: {
        summary: "The fleet's regions, to measure latency to before a start",
        description:
          'Each configured region with its state (usable, refusing_creates, at_cap), its ready servers and a ping target a client times; pass the medians as `latencies` to POST /v1/sessions.',
        tags: ['sessions'],
        response: { 200: RegionList, ...errors(401, 429) },
      },
    },
    async () => {
      const { placement } = deps;
      const { pingTargets, defaultRegion } = placement.regions;
      const offers = await placement.offers(deps.store, deps.clock.now());
      return { items: offers.map((o) => regionView(o, pingTargets[o.name] ?? '', defaultRegion)) };
    },
  );
}
