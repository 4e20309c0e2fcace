import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../../domain/errors.js';
import { canonicalIp } from '../../domain/ip-address.js';
import type { Server } from '../../domain/server.js';
import type { FindSession } from '../../sessions/find-session.js';
import type { Seats } from '../../sessions/seats.js';
import type { ServerReports } from '../../sessions/server-reports.js';
import { errors, ServerReport } from './schemas.js';
import { PlayerId, PlayersReport, PlayersReportAnswer } from './seat-schemas.js';
import { serverView, sessionView } from './views.js';

export interface ServerRoutesDeps {
  reports: ServerReports;
  seats: Seats;
  find: FindSession;
  /** HMAC verification of http/server-auth.ts (reads the Server-Id header and the raw body). */
  authenticate: (req: FastifyRequest, reply: FastifyReply) => Promise<void>;
  bodyLimitBytes: number;
  maxPlayers: number;
}

const Id = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, description: 'The server id (SERVER_ID)' }) });
const TAGS = ['game servers'];
const SIGNED =
  "Signed with the server's own credential (SERVER_CREDENTIAL): headers `Request-Timestamp` and `Request-Signature` = hex HMAC-SHA256 over `METHOD\\nPATH\\nQUERY\\nTIMESTAMP\\nhex(SHA-256(body))`. A credential speaks only for its own server.";

/**
 * Game servers, by server id. Bodies arrive as raw bytes and are parsed only after the
 * signature is checked, so an unsigned caller learns nothing from parser errors. The id in
 * the path is the id the signature must be made for: another server's credential fails.
 */
export async function serverRoutes(app: FastifyInstance, deps: ServerRoutesDeps): Promise<void> {
  const { reports, find } = deps;
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', { parseAs: 'buffer', bodyLimit: deps.bodyLimitBytes }, (_req, body, done) =>
    done(null, body),
  );
  /**
   * Before validation, on each route: the signature must be made for the server in the path,
   * and only then is the body parsed.
   */
  const signedBy = async (id: string, req: FastifyRequest, reply: FastifyReply) => {
    const claimed = req.headers['server-id'];
    if (claimed !== undefined && claimed !== id)
      throw new OrchestratorError('unauthorized', 'Server-Id does not match the server in the path');
    req.headers['server-id'] = id;
    await deps.authenticate(req, reply);
    req.body = parseJson(req.body);
  };
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();

  /** The server as the heartbeat left it, and the live session it holds. */
  const report = async (server: Server) => {
    const snap = await find.liveOn(server.id);
    return { server: serverView(server), session: snap ? sessionView(snap) : null };
  };
  const Players = Type.Integer({ minimum: 0, maximum: deps.maxPlayers, description: 'Players connected now' });
  const Address = Type.String({
    maxLength: 45,
    description: 'Only needed while the orchestrator does not know the address yet',
  });
  const respond = { 200: ServerReport, ...errors(400, 401, 404, 413) };
  const PlayerIds = Type.Array(PlayerId, {
    maxItems: 1000,
    description:
      'Optional: the ids of the players (seat holders) connected now. Their seats are taken; a taken seat of a player no longer listed is left, held for RECONNECT_GRACE_S, as `POST /v1/servers/{id}/players` does. Without it, seats are left as they are.',
  });
  const HeartbeatAnswer = Type.Object(
    {
      ...ServerReport.properties,
      seats: Type.Optional({
        ...PlayersReportAnswer,
        description: 'With player_ids: what the list changed (as `POST /v1/servers/{id}/players` answers)',
      }),
    },
    { examples: ServerReport.examples as unknown[] },
  );

  routes.post(
    '/servers/:id/heartbeat',
    {
      preValidation: (req, reply) => signedBy(req.params.id, req, reply),
      schema: {
        summary: 'Game server heartbeat: players connected now',
        description: `The first heartbeat of a booting server makes it ready. With \`player_ids\`, the players connected now: their seats are taken, and those of players no longer listed are left (held for RECONNECT_GRACE_S). ${SIGNED}`,
        tags: TAGS,
        params: Id,
        body: Type.Object(
          { players: Players, address: Type.Optional(Address), player_ids: Type.Optional(PlayerIds) },
          { examples: [{ players: 3 }, { players: 2, player_ids: ['p7', 'p9'] }] },
        ),
        response: { ...respond, 200: HeartbeatAnswer },
      },
    },
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      const r = await reports.heartbeat({ server: { id }, players: b.players, address: checkAddress(b.address) });
      // After the heartbeat: a server it made ready, or handed a session, has its seats to report.
      if (b.player_ids === undefined) return report(r.server);
      const seats = await deps.seats.reportPresent(id, b.player_ids);
      return { ...(await report(r.server)), seats };
    },
  );

  routes.post(
    '/servers/:id/ready',
    {
      preValidation: (req, reply) => signedBy(req.params.id, req, reply),
      schema: {
        summary: 'Game server is ready for players',
        description: `A booting server joins the pool (and is handed to a waiting session at once); for a server already ready it is a heartbeat. ${SIGNED}`,
        tags: TAGS,
        params: Id,
        body: Type.Object(
          { players: Type.Optional(Players), address: Type.Optional(Address) },
          { description: 'Optional', examples: [{}] },
        ),
        response: respond,
      },
    },
    async (req) => {
      const { id } = req.params;
      const b = req.body;
      const r = await reports.heartbeat({ server: { id }, players: b.players ?? 0, address: checkAddress(b.address) });
      return report(r.server);
    },
  );

  routes.post(
    '/servers/:id/players',
    {
      preValidation: (req, reply) => signedBy(req.params.id, req, reply),
      schema: {
        summary: 'Game server reports players connected and left',
        description: `Seats of the server's live session: a connected player's seat is taken (no longer freed after SEAT_TTL_S); a player who left keeps their seat for RECONNECT_GRACE_S. ${SIGNED}`,
        tags: TAGS,
        params: Id,
        body: PlayersReport,
        response: { 200: PlayersReportAnswer, ...errors(400, 401, 404, 413) },
      },
    },
    async (req) => {
      const b = req.body;
      return deps.seats.report(req.params.id, { connected: b.connected ?? [], left: b.left ?? [] });
    },
  );

  routes.post(
    '/servers/:id/end',
    {
      preValidation: (req, reply) => signedBy(req.params.id, req, reply),
      schema: {
        summary: 'Game server ends its session',
        description: `The session ends; the machine is deleted (or recycled, with RECYCLE_SERVERS). ${SIGNED}`,
        tags: TAGS,
        params: Id,
        body: Type.Object({}, { description: 'Empty', examples: [{}] }),
        response: {
          200: Type.Object(
            { ended: Type.Boolean(), external: Type.Boolean() },
            { examples: [{ ended: true, external: false }] },
          ),
          ...errors(401, 404),
        },
      },
    },
    async (req) => {
      const r = await reports.end({ id: req.params.id });
      return { ended: true, external: r.external };
    },
  );
}

/** The raw body as JSON; no body is an empty object. */
function parseJson(raw: unknown): unknown {
  if (!Buffer.isBuffer(raw) || raw.length === 0) return {};
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    throw new OrchestratorError('invalid_input', 'The body is not valid JSON');
  }
}

/** A reported address in its one spelling (see canonicalIp), as the original's heartbeat stores it. */
function checkAddress(a: string | undefined): string | undefined {
  if (a === undefined) return undefined;
  const canonical = canonicalIp(a);
  if (canonical === null) throw new OrchestratorError('invalid_input', 'address must be an IPv4 or IPv6 address');
  return canonical;
}
