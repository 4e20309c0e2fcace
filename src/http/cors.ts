import type { FastifyInstance } from 'fastify';

const LOCAL_ORIGIN = /^https?:\/\/(localhost|127\.0\.0\.1)(:\d+)?$/;
const ALLOWED_METHODS = 'DELETE, GET, HEAD, OPTIONS, PATCH, POST, PUT';

/**
 * CORS as the original served it (Starlette's CORSMiddleware): configured origins plus
 * localhost/127.0.0.1 on any port, no credentials; preflights from other origins get 400.
 */
export function installCors(app: FastifyInstance, allowedOrigins: readonly string[]): void {
  const allowed = new Set(allowedOrigins);
  const isAllowed = (origin: string) => allowed.has('*') || allowed.has(origin) || LOCAL_ORIGIN.test(origin);

  app.addHook('onRequest', async (req, reply) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return;
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      reply.header('vary', 'Origin');
      if (!isAllowed(origin)) {
        return reply.code(400).type('text/plain; charset=utf-8').send('Disallowed CORS origin');
      }
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      const requested = req.headers['access-control-request-headers'];
      if (typeof requested === 'string' && requested) reply.header('access-control-allow-headers', requested);
      reply.header('access-control-max-age', '600');
      return reply.code(200).type('text/plain; charset=utf-8').send('OK');
    }
    if (isAllowed(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
    }
  });
}
