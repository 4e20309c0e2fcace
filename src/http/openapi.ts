import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type { FastifyInstance } from 'fastify';
import { docsUiOptions } from './docs-ui.js';
import { securityOf, SECURITY_SCHEMES } from './openapi-security.js';

export interface RegisteredRoute {
  method: string;
  url: string;
}

declare module 'fastify' {
  interface FastifyInstance {
    /** Every route registered after installOpenApi (the OpenAPI test checks each is documented). */
    registeredRoutes: RegisteredRoute[];
  }
}

/** Paths of the documentation itself: served, but not part of the API they describe. */
export const DOC_PATHS = ['/openapi.json', '/docs'];

/**
 * OpenAPI 3.1 generated from the route schemas (@fastify/swagger collects every route
 * registered after it), served at /openapi.json and browsable at /docs (Swagger UI), as the
 * original's FastAPI did. Register before any route.
 */
export async function installOpenApi(app: FastifyInstance, version: string): Promise<void> {
  const registered: RegisteredRoute[] = [];
  app.decorate('registeredRoutes', registered);
  app.addHook('onRoute', (r) => {
    for (const method of [r.method].flat()) registered.push({ method, url: r.url });
    // Each operation says what it authenticates with (openapi-security.ts).
    const tags = (r.schema as { tags?: string[] } | undefined)?.tags ?? [];
    const security = r.schema && securityOf([r.method].flat()[0]!, r.url, tags);
    if (r.schema && security) r.schema = { ...r.schema, security };
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'game-orchestrator',
        version,
        description:
          'Dedicated game servers on demand. `/v1` is the current API (errors `{"error": {"code", "message"}}`); the routes tagged `original` are the original service\'s, unchanged (errors `{"detail": …}`).',
      },
      tags: [
        { name: 'sessions', description: 'Game clients: start, look at, wait for and join sessions' },
        { name: 'lobbies', description: 'Game clients: public sessions with room, and quick join' },
        { name: 'game servers', description: 'Game servers, signed with their own credential' },
        { name: 'operators', description: 'Operators, with `Authorization: Bearer $ADMIN_TOKEN`' },
        {
          name: 'health',
          description: 'Probes and Prometheus metrics (`/metrics` takes `Bearer $METRICS_TOKEN` when set)',
        },
        {
          name: 'dashboard',
          description: 'The operator dashboard: pages, assets and its read model (session cookie from the admin token)',
        },
        { name: 'original', description: "The original service's routes, unchanged on the wire" },
      ],
      components: { securitySchemes: SECURITY_SCHEMES },
    },
    hideUntagged: false,
  });
  await app.register(swaggerUi, docsUiOptions());
  app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());
}
