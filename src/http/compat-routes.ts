import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { FindSession } from '../sessions/find-session.js';
import type { ServerCaller } from '../sessions/session-deps.js';
import type { ServerReports } from '../sessions/server-reports.js';
import type { StartSession } from '../sessions/start-session.js';
import {
  CompatBadRequest,
  type CompatQuery,
  CompatValidationError,
  parseDropletIpQuery,
  parseIdempotencyKey,
  parseHeartbeatBody,
  requiredQuery,
} from './compat-validation.js';
import { clientAddress } from './client-address.js';
import { OrchestratorError } from '../domain/errors.js';
import { INVALID_SIGNATURE } from '../domain/hmac.js';
import type { RateLimiter } from './rate-limiter.js';
import { installCompatErrorHandling } from './compat-errors.js';
import { compatResponses } from './compat-schemas.js';

export interface CompatRoutesDeps {
  /** The app's routes by path pattern, for 405 answers (the original's 404/405 shapes). */
  routeMethods: () => Map<RegExp, Set<string>>;
  start: StartSession;
  find: FindSession;
  reports: ServerReports;
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  limiter: RateLimiter;
  bodyLimitBytes: number;
  maxPlayers: number;
}

const ENDED_DELETED = 'Game session ended and DigitalOcean droplet deleted.';
const ENDED_EXTERNAL = 'Game session ended and local session entry removed (no DigitalOcean droplet).';

/**
 * The server a call names: its own credential names it by id (the body's address is only
 * what it reports), the shared key by the address it sends.
 */
function report(caller: ServerCaller, ip: string) {
  return caller.serverId ? { server: { id: caller.serverId }, address: ip } : { server: { ip } };
}

/**
 * The original Python service's routes, unchanged on the wire: a thin adapter over the
 * session service. Bodies arrive as raw bytes so signatures are checked before parsing.
 */
export async function compatRoutes(app: FastifyInstance, deps: CompatRoutesDeps): Promise<void> {
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );
  // An empty Content-Type is "no content type": read the body anyway, as the original did.
  app.addHook('onRequest', (req, _reply, done) => {
    if (req.headers['content-type'] === '') delete req.headers['content-type'];
    done();
  });
  installCompatErrorHandling(app, deps.routeMethods, (err, reply) => {
    if (err instanceof CompatValidationError) return reply.code(422).send(err.body);
    if (err instanceof CompatBadRequest) return reply.code(400).send({ detail: err.detail });
    return null;
  });

  // Responses are typed by their schemas; the query and body are not given to Ajv (see CompatQuery).
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get('/', { schema: compatResponses.root }, async () => ({ status: 'ok', service: 'orchestrator' }));

  routes.post('/sessions/start', { schema: compatResponses.start }, async (req) => {
    // Checked before the rate limit, so a refused request uses up nothing.
    const idempotencyKey = parseIdempotencyKey(req.headers['idempotency-key']);
    await deps.limiter.checkStart(clientAddress(req));
    const r = await deps.start.startAndWait({ idempotencyKey, holder: req.sessionHolder });
    const ip = r.server.ip ?? '';
    return r.reused
      ? { message: 'Reusing existing droplet', ip_address: ip, share_tag: r.session.code }
      : { ip_address: ip, share_tag: r.session.code };
  });

  routes.post<{ Querystring: CompatQuery }>('/sessions/join', { schema: compatResponses.join }, async (req) => {
    const code = requiredQuery(req.query, 'game_tag');
    const release = await deps.limiter.beginJoin(clientAddress(req));
    try {
      return { ip_address: (await deps.find.joinAddress(code)).ip };
    } catch (err) {
      await deps.limiter.recordFailedJoin(clientAddress(req));
      throw err;
    } finally {
      release();
    }
  });

  const signed = { preValidation: deps.authenticate };
  // The hot path: the heartbeat spends its signature in its own transaction (one commit, not two).
  routes.post(
    '/server/heartbeat',
    { ...signed, config: { spendsSignature: true }, schema: compatResponses.heartbeat },
    async (req) => {
      const caller = req.serverCaller ?? { serverId: null };
      let body: ReturnType<typeof parseHeartbeatBody>;
      try {
        body = parseHeartbeatBody(req.body, deps.maxPlayers);
      } catch (err) {
        // As before: a signature is spent even when its body is refused, and a replay is a 401 first.
        if (caller.unspent && !(await deps.reports.spendSignature(caller.unspent)))
          throw new OrchestratorError('unauthorized', INVALID_SIGNATURE);
        throw err;
      }
      // Built field by field: spreading report()'s two shapes cost ~2% of a heartbeat's CPU.
      const r = await deps.reports.heartbeat(
        caller.serverId
          ? { server: { id: caller.serverId }, address: body.ip, players: body.players, unspent: caller.unspent }
          : { server: { ip: body.ip }, players: body.players, unspent: caller.unspent },
      );
      if (!r.addressIgnored) return { message: 'Heartbeat updated successfully.' };
      // Only servers we made (per-server credential) get here; the extra key tells their operator why.
      const { reported, kept } = r.addressIgnored;
      return {
        message: 'Heartbeat updated successfully.',
        warning: `droplet_ip ${reported} was ignored: players are given ${kept ?? 'the address the provider assigns'}, the address the provider reports for this server`,
      };
    },
  );

  const end = async (req: FastifyRequest<{ Querystring: CompatQuery }>) => {
    const ip = parseDropletIpQuery(req.query);
    const { server, address } = report(req.serverCaller ?? { serverId: null }, ip);
    const r = await deps.reports.end(server, address);
    return { message: r.external ? ENDED_EXTERNAL : ENDED_DELETED };
  };
  routes.post<{ Querystring: CompatQuery }>('/server/end', { ...signed, schema: compatResponses.end }, end);
  // The earlier name of /server/end, from the original's first README.
  routes.post<{ Querystring: CompatQuery }>('/sessions/end', { ...signed, schema: compatResponses.end }, end);
}
