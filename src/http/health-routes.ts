import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { healthzSchema, metricsSchema, readyzSchema } from './health-schemas.js';

export interface HealthDeps {
  /** Each check: null when fine, else a short reason (no secrets). */
  checks: Record<string, () => Promise<string | null>>;
  /** A check that has not answered within this long fails (a frozen database must not hang the probe). */
  timeoutMs: number;
  metrics: { text(): Promise<string>; contentType: string };
  /** Bearer token /metrics wants; null = open (scrapers usually sit on a private network). */
  metricsToken: string | null;
  authorizeMetrics: (req: FastifyRequest) => Promise<void>;
}

/** /healthz (alive), /readyz (able to serve), /metrics (Prometheus text format). */
export async function healthRoutes(app: FastifyInstance, deps: HealthDeps): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get('/healthz', { schema: healthzSchema }, async () => ({ status: 'ok' as const }));

  routes.get('/readyz', { schema: readyzSchema }, async (_req, reply) => {
    const results: Record<string, string> = {};
    let ready = true;
    for (const [name, check] of Object.entries(deps.checks)) {
      let problem: string | null;
      try {
        problem = await withinMs(check(), deps.timeoutMs);
      } catch (err) {
        problem = err instanceof Error ? err.message.slice(0, 200) : 'failed';
      }
      results[name] = problem ?? 'ok';
      if (problem) ready = false;
    }
    return reply.code(ready ? 200 : 503).send({ status: ready ? 'ready' : 'not ready', checks: results });
  });

  routes.get(
    '/metrics',
    { onRequest: deps.metricsToken ? deps.authorizeMetrics : [], schema: metricsSchema },
    async (_req, reply) => reply.header('content-type', deps.metrics.contentType).send(await deps.metrics.text()),
  );
}

/** The check's answer, or a problem once ms have passed without one. */
async function withinMs(check: Promise<string | null>, ms: number): Promise<string | null> {
  let timer: NodeJS.Timeout | undefined;
  const late = new Promise<string>((resolve) => (timer = setTimeout(() => resolve(`no answer within ${ms} ms`), ms)));
  try {
    return await Promise.race([check, late]);
  } finally {
    clearTimeout(timer);
  }
}
