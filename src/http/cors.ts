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

  // Callback style, not async: every request passes here, and an async hook costs a promise each.
  app.addHook('onRequest', (req, reply, done) => {
    const origin = req.headers.origin;
    if (typeof origin !== 'string') return done();
    const preflight = req.method === 'OPTIONS' && req.headers['access-control-request-method'] !== undefined;
    if (preflight) {
      reply.header('vary', 'Origin');
      if (!isAllowed(origin)) {
        return void reply.code(400).type('text/plain; charset=utf-8').send('Disallowed CORS origin');
      }
      reply.header('access-control-allow-origin', origin);
      reply.header('access-control-allow-methods', ALLOWED_METHODS);
      const requested = req.headers['access-control-request-headers'];
      if (typeof requested === 'string' && requested) reply.header('access-control-allow-headers', requested);
      reply.header('access-control-max-age', '600');
      // Answered here: the route never runs (done() is not called).
      return void reply.code(200).type('text/plain; charset=utf-8').send('OK');
    }
    if (isAllowed(origin)) {
      reply.header('access-control-allow-origin', origin);
      reply.header('vary', 'Origin');
    }
    done();
  });
}
