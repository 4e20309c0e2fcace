import Fastify, { type FastifyError, type FastifyInstance } from 'fastify';
import { systemClock } from '../util/clock.js';
import { EmulatorCore } from './core.js';
import { DoApiError, MSG, badRequest, errorIdForStatus } from './errors.js';
import { registerGate } from './gate.js';
import { sendError } from './http-util.js';
import { resolveOptions, type EmulatorOptions } from './options.js';
import { actionRoutes } from './routes/actions.js';
import { catalogueRoutes } from './routes/catalogue.js';
import { controlRoutes } from './routes/control.js';
import { dropletRoutes } from './routes/droplets.js';
import { tagRoutes } from './routes/tags.js';

/** The emulator's Fastify app and the account state behind it. */
export interface BuiltEmulator {
  app: FastifyInstance;
  core: EmulatorCore;
}

/** Builds the emulator (never listens). The core is closed with the app. */
export function buildEmulator(opts: EmulatorOptions = {}): BuiltEmulator {
  const resolved = resolveOptions(opts, systemClock);
  const core = new EmulatorCore(resolved);
  const app = // close() cuts every connection, in-flight ones too: a test double must never hold a teardown.
    (resolved.logger
      ? Fastify({ loggerInstance: resolved.logger, forceCloseConnections: true })
      : Fastify({ logger: false, forceCloseConnections: true })) as unknown as FastifyInstance;
  registerJsonParser(app);
  registerGate(app, core);
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (err instanceof DoApiError) return sendError(reply, err.statusCode, err.errorId, err.message);
    const status = err.statusCode !== undefined && err.statusCode >= 400 && err.statusCode < 500 ? err.statusCode : 500;
    // Internal messages stay out of 5xx bodies; the log has them.
    if (status === 500) req.log.error({ err }, 'emulator handler failed');
    const message = status === 500 ? MSG.serverError : status === 400 ? MSG.badRequest : err.message;
    return sendError(reply, status, errorIdForStatus(status), message);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, 404, 'not_found', MSG.notFound));
  dropletRoutes(app, core);
  actionRoutes(app, core);
  tagRoutes(app, core);
  catalogueRoutes(app, core);
  controlRoutes(app, core);
  // preClose: before the server waits for requests in flight, end the ones held on purpose.
  app.addHook('preClose', async () => core.close());
  return { app, core };
}

/**
 * Bodies are parsed as JSON whatever the content type says (clients forget the header), an
 * empty body is no body, and malformed JSON is DO's 400 "error parsing request body".
 */
function registerJsonParser(app: FastifyInstance): void {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'string' }, (_req, body, done) => {
    const text = typeof body === 'string' ? body : body.toString('utf8');
    if (text.trim() === '') return done(null, undefined);
    try {
      done(null, JSON.parse(text) as unknown);
    } catch {
      done(badRequest(), undefined);
    }
  });
}
