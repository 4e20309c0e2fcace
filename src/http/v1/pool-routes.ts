import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { regionCap } from '../../domain/region.js';
import type { PoolInForce } from '../../sessions/pool-settings.js';
import { errors, PoolChange, PoolRegionQuery, PoolView } from './schemas.js';
import { poolView } from './views.js';

export interface PoolRoutesDeps {
  pool: PoolInForce;
  guard: (req: FastifyRequest) => Promise<void>;
  /** MAX_SERVERS: the configured hard cap. */
  maxServersCap: number;
}

const TAGS = ['operators'];
const BEARER = 'Needs `Authorization: Bearer $ADMIN_TOKEN`.';
const AUTH_ERRORS = errors(401, 503);
const REGION =
  '`?region=` names one of REGIONS (absent: the default region, so callers from before regions change what they always changed).';

/** The warm pool per region: GET and PATCH /v1/pool[?region=]. */
export function poolRoutes(app: FastifyInstance, deps: PoolRoutesDeps): void {
  const { pool, guard: onRequest } = deps;
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  const view = async (region?: string) => {
    const r = await pool.regionPool(region);
    const global = await pool.settings();
    return poolView(global, r, {
      maxServers: deps.maxServersCap,
      region: regionCap(pool.regions, r.region, global.maxServers),
    });
  };

  routes.get(
    '/pool',
    {
      onRequest,
      schema: {
        summary: "A region's pool settings in force (operators)",
        description: `${REGION} ${BEARER}`,
        tags: TAGS,
        querystring: PoolRegionQuery,
        response: { 200: PoolView, ...errors(400), ...AUTH_ERRORS },
      },
    },
    async (req) => view(req.query.region),
  );

  routes.patch(
    '/pool',
    {
      onRequest,
      schema: {
        summary: "Change a region's pool settings at run time (operators)",
        description:
          `Kept in the database: every replica and the next reconcile pass use them. ${REGION} ` +
          'min_ready and buffer are the region\u2019s; max_servers is the cap of all regions together and may only ' +
          `lower MAX_SERVERS; region_max_servers may only lower the region's REGION_MAX_SERVERS. ${BEARER}`,
        tags: TAGS,
        querystring: PoolRegionQuery,
        body: PoolChange,
        response: { 200: PoolView, ...errors(400), ...AUTH_ERRORS },
      },
    },
    async (req) => {
      const b = req.body;
      const r = await pool.changeRegion(
        {
          poolMinReady: b.min_ready,
          poolBuffer: b.buffer,
          maxServers: b.max_servers,
          regionMaxServers: b.region_max_servers,
        },
        req.query.region,
      );
      return view(r.region);
    },
  );
}
