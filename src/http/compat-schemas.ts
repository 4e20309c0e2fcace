import { Type } from '@sinclair/typebox';

const Detail = Type.Object({ detail: Type.Any() });
const Message = Type.Object({ message: Type.String() });

/** Response schemas of the original's routes: documentation, and fast serialisation. */
export const compatResponses = {
  root: {
    summary: 'Liveness (original route)',
    tags: ['original'],
    response: { 200: Type.Object({ status: Type.String(), service: Type.String() }) },
  },
  start: {
    summary: 'Start a session: a server address and a share code (original route)',
    tags: ['original'],
    response: {
      // Two shapes, as the original: with `message` first when a ready server was reused.
      200: Type.Union([
        Type.Object({ message: Type.String(), ip_address: Type.String(), share_tag: Type.String() }),
        Type.Object({ ip_address: Type.String(), share_tag: Type.String() }),
      ]),
      400: Detail,
      429: Detail,
      500: Detail,
      503: Detail,
    },
  },
  join: {
    summary: 'Join a session by share code (original route)',
    tags: ['original'],
    response: { 200: Type.Object({ ip_address: Type.String() }), 404: Detail, 422: Detail, 429: Detail },
  },
  heartbeat: {
    summary: 'Game server heartbeat, HMAC-signed (original route)',
    tags: ['original'],
    response: {
      // `warning` only for servers we made whose reported droplet_ip was not taken.
      200: Type.Object({ message: Type.String(), warning: Type.Optional(Type.String()) }),
      401: Detail,
      404: Detail,
      409: Detail,
      422: Detail,
      503: Detail,
    },
  },
  end: {
    summary: 'Game server ends its session, HMAC-signed (original route)',
    tags: ['original'],
    response: { 200: Message, 401: Detail, 404: Detail, 422: Detail, 503: Detail },
  },
} as const;
