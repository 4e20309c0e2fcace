import { Type } from '@sinclair/typebox';
import { badQuery, bodyOf, errorAs, open } from './operator-schemas.js';
import { errors } from './v1/schemas.js';

/** OpenAPI schemas of the event page, the event stream and the webhook state (operators). */
export const EVENT_EXAMPLE = {
  id: 42,
  kind: 'session.activated',
  at: '2026-11-30T08:00:01.500Z',
  atMs: 1796025601500,
  serverId: '5d1c…',
  sessionId: '0b6f…',
  data: { code: 'K7XQ3M' },
};

export const EventSchema = Type.Object(
  {
    id: Type.Integer(),
    kind: Type.String(),
    at: Type.String(),
    atMs: Type.Integer(),
    serverId: Type.Union([Type.String(), Type.Null()]),
    sessionId: Type.Union([Type.String(), Type.Null()]),
    data: Type.Record(Type.String(), Type.Unknown()),
  },
  { title: 'Event', examples: [EVENT_EXAMPLE] },
);

export const EventPage = Type.Object(
  { events: Type.Array(EventSchema), next: Type.Integer({ description: 'The cursor for the next page (`?after=`)' }) },
  { description: 'A page of events', examples: [{ events: [EVENT_EXAMPLE], next: 42 }] },
);

export const eventsResponses = {
  200: EventPage,
  ...badQuery('querystring/limit must match pattern "^[0-9]{1,4}$"', 'limit must be from 1 to 1000.'),
  ...errors(401, 503),
};

export const eventStreamResponses = {
  200: bodyOf(
    'Server-sent events, one per fleet event (`id:` is the event id), until the client leaves or the service shuts down',
    ['text/event-stream'],
    `id: 42\nevent: session.activated\ndata: ${JSON.stringify(EVENT_EXAMPLE)}\n\n`,
  ),
  400: errorAs('Bad `?after=` cursor', 'invalid_input', 'querystring/after must match pattern "^[0-9]{1,15}$"'),
  422: errorAs('Bad Last-Event-ID header', 'invalid_input', 'Last-Event-ID must be an event id (a whole number).'),
  ...errors(401, 503),
};

export const webhooksResponses = {
  200: open(
    {
      targets: Type.Array(
        open({
          id: Type.String(),
          urlHint: Type.String({ description: 'The URL without its query or credentials' }),
          cursor: Type.Integer(),
        }),
        { description: 'Delivery state per configured URL' },
      ),
      deadLetters: Type.Array(
        open({ id: Type.Integer(), targetId: Type.String(), eventId: Type.Integer(), kind: Type.String() }),
        {
          description: 'The newest events given up on, with the exact body sent',
        },
      ),
    },
    {
      description: 'Delivery state and dead letters',
      examples: [
        {
          targets: [
            {
              id: 'a1b2…',
              urlHint: 'https://hooks.example.com/fleet',
              cursor: 41,
              attempts: 1,
              nextAttemptAtMs: 1796025660000,
              delivered: 40,
              failedAttempts: 3,
              dead: 1,
              lastStatus: 502,
              lastError: 'HTTP 502',
            },
          ],
          deadLetters: [
            {
              id: 1,
              targetId: 'a1b2…',
              eventId: 17,
              kind: 'server.ready',
              deadAtMs: 1796025000000,
              attempts: 8,
              lastStatus: 500,
              lastError: 'HTTP 500',
              body: '{"id":17,…}',
            },
          ],
        },
      ],
    },
  ),
  ...badQuery('querystring/limit must match pattern "^[0-9]{1,4}$"', 'limit must be from 1 to 500.'),
  ...errors(401, 503),
};
