import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { systemClock } from '../../util/clock.js';
import { sendNoContent } from '../http-util.js';
import { catalogueRoutes } from './catalogue-routes.js';
import { HetznerCore } from './core.js';
import { HzApiError, sendHzError, registerHzGate } from './http.js';
import { resolveHetznerOptions, type HetznerEmulatorOptions } from './options.js';
import { serverRoutes } from './server-routes.js';

export interface BuiltHetznerEmulator {
  app: FastifyInstance;
  core: HetznerCore;
}

/** Builds the Hetzner Cloud emulator (never listens). The core is closed with the app. */
export function buildHetznerEmulator(opts: HetznerEmulatorOptions = {}): BuiltHetznerEmulator {
  const resolved = resolveHetznerOptions(opts, systemClock);
  const core = new HetznerCore(resolved);
  // close() cuts every connection, in-flight ones too: a test double must never hold a teardown.
  const app = (resolved.logger
    ? Fastify({ loggerInstance: resolved.logger, forceCloseConnections: true })
    : Fastify({ logger: false, forceCloseConnections: true })) as unknown as FastifyInstance;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(new HzApiError(400, 'json_error', 'Invalid JSON input in request'), undefined);
    }
  });
  registerHzGate(app, core);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof HzApiError) return sendHzError(reply, err.statusCode, err.code, err.message);
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    if (status === 500) req.log.error({ err }, 'emulator handler failed');
    return sendHzError(
      reply,
      status,
      status === 500 ? 'server_error' : 'invalid_input',
      status === 500 ? 'Internal server error' : err.message,
    );
  });
  app.setNotFoundHandler((_req, reply) => sendHzError(reply, 404, 'not_found', 'Resource not found'));
  serverRoutes(app, core);
  catalogueRoutes(app);
  controlRoutes(app, core);
  app.addHook('preClose', async () => core.close());
  return { app, core };
}

/** The control API outside `/v1`: no auth, no limit, no faults, not counted. */
function controlRoutes(app: FastifyInstance, core: HetznerCore): void {
  app.get('/_emulator/faults', async () => core.faults());
  app.put('/_emulator/faults', async (req) => {
    const body = req.body;
    if (typeof body !== 'object' || body === null || Array.isArray(body))
      throw new HzApiError(400, 'invalid_input', 'expected a JSON object of faults');
    try {
      return core.setFaults(body);
    } catch (err) {
      throw new HzApiError(400, 'invalid_input', (err as Error).message);
    }
  });
  app.get('/_emulator/state', async () => ({
    nowMs: core.nowMs(),
    servers: core.servers(),
    faults: core.faults(),
    requestCounts: core.requestCounts(),
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
