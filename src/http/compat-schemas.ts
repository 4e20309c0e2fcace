import { Type } from '@sinclair/typebox';

/**
 * Response schemas of the original's routes: documentation (OpenAPI), and fast serialisation.
 * Descriptions and examples only document; the shapes are the original's and must not change.
 */
const Detail = (description: string, example: unknown) =>
  Type.Object({ detail: Type.Any() }, { description, examples: [{ detail: example }] });
const Message = (example: string) =>
  Type.Object({ message: Type.String() }, { description: 'Done', examples: [{ message: example }] });

const VALIDATION = Detail("Validation error, in FastAPI's (pydantic 2) shape", [
  { type: 'missing', loc: ['query', 'game_tag'], msg: 'Field required', input: null },
]);
const INVALID_SIGNATURE = Detail(
  'Missing, wrong, replayed (`Invalid HMAC signature.`) or stale (`Stale HMAC signature.`) signature',
  'Invalid HMAC signature.',
);
const NO_KEY = Detail('No HMAC key configured', 'Internal endpoint unavailable.');
const UNKNOWN_SERVER = Detail('Unknown address, or already ended', 'Droplet not found in database.');
const SIGNED =
  "HMAC-signed: headers `Request-Timestamp` (Unix seconds) and `Request-Signature` = hex HMAC-SHA256 over `METHOD\\nPATH\\nQUERY\\nTIMESTAMP\\nhex(SHA-256(body))` with INTERNAL_HMAC_KEY (or a server's own credential with `Server-Id`).";

export const compatResponses = {
  root: {
    summary: 'Liveness (original route)',
    tags: ['original'],
    response: {
      200: Type.Object(
        { status: Type.String(), service: Type.String() },
        { description: 'The service is up', examples: [{ status: 'ok', service: 'orchestrator' }] },
      ),
    },
  },
  start: {
    summary: 'Start a session: a server address and a share code (original route)',
    description:
      'Waits (up to START_TIMEOUT_S) for a server when none is ready. Optional `Idempotency-Key` header: a retried start returns the same session.',
    tags: ['original'],
    response: {
      // Two shapes, as the original: with `message` first when a ready server was reused.
      200: Type.Union(
        [
          Type.Object({ message: Type.String(), ip_address: Type.String(), share_tag: Type.String() }),
          Type.Object({ ip_address: Type.String(), share_tag: Type.String() }),
        ],
        {
          description: 'A server for the session; `message` only when a ready server was reused',
          examples: [
            { message: 'Reusing existing droplet', ip_address: '203.0.113.2', share_tag: 'K7XQ3M' },
            { ip_address: '203.0.113.2', share_tag: 'K7XQ3M' },
          ],
        },
      ),
      400: Detail(
        'The Idempotency-Key is too long or holds control characters',
        'Idempotency-Key is longer than 200 characters',
      ),
      409: Detail(
        'The Idempotency-Key names a session that has ended',
        'This session has ended (server_ended); start a new one with a new Idempotency-Key',
      ),
      429: Detail(
        'Too many starts from this address; see Retry-After',
        'Too many session starts from this address; slow down',
      ),
      500: Detail('Internal error (no internals shown)', 'Internal Server Error'),
      503: Detail(
        'No server became ready in time; see Retry-After',
        'No game server became ready within 60 s; retry later',
      ),
    },
  },
  join: {
    summary: 'Join a session by share code (original route)',
    description:
      "Codes match case-insensitively; an ended session's code is not found; unknown codes are rate-limited per address.",
    tags: ['original'],
    response: {
      200: Type.Object(
        { ip_address: Type.String() },
        { description: "The game server's address", examples: [{ ip_address: '203.0.113.2' }] },
      ),
      404: Detail('Unknown or ended code', 'Droplet not found in database.'),
      422: VALIDATION,
      429: Detail(
        'Too many unknown codes from this address; see Retry-After',
        'Too many unknown share codes from this address; slow down',
      ),
    },
  },
  heartbeat: {
    summary: 'Game server heartbeat, HMAC-signed (original route)',
    description: `Body \`{"droplet_ip", "connected_clients"}\`. An unknown address signed with the shared key registers as an external server. ${SIGNED}`,
    tags: ['original'],
    response: {
      // `warning` only for servers we made whose reported droplet_ip was not taken.
      200: Type.Object(
        { message: Type.String(), warning: Type.Optional(Type.String()) },
        { description: 'Done', examples: [{ message: 'Heartbeat updated successfully.' }] },
      ),
      401: INVALID_SIGNATURE,
      404: UNKNOWN_SERVER,
      409: Detail(
        'A server the orchestrator made reported an address another live server holds',
        "Address 203.0.113.9 belongs to another server; this server's address is 203.0.113.2",
      ),
      422: VALIDATION,
      503: NO_KEY,
    },
  },
  end: {
    summary: 'Game server ends its session, HMAC-signed (original route)',
    description: `\`?droplet_ip=\`: ends the session and deletes (or recycles) the machine. ${SIGNED}`,
    tags: ['original'],
    response: {
      200: Message('Game session ended and DigitalOcean droplet deleted.'),
      401: INVALID_SIGNATURE,
      404: UNKNOWN_SERVER,
      422: VALIDATION,
      503: NO_KEY,
    },
  },
} as const;
