import type { TypeBoxTypeProvider } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { OrchestratorError } from '../domain/errors.js';
import type { FleetEvent } from '../domain/events.js';
import { eventJson } from '../events/event-json.js';
import type { SseHub } from '../events/sse-hub.js';
import type { EventTail } from '../events/event-tail.js';
import type { DeadLetter, WebhookTargetState } from '../webhooks/webhook-ledger.js';
import { eventStreamResponses, eventsResponses, webhooksResponses } from './event-schemas.js';
import { OPERATOR_AUTH } from './operator-schemas.js';

export interface EventRoutesDeps {
  authorize: (req: FastifyRequest) => Promise<void>;
  events: { listEvents(afterId: number, limit: number): Promise<FleetEvent[]> };
  tail: EventTail;
  sse: SseHub;
  webhooks: { status(): Promise<WebhookTargetState[]>; deadLetters(limit: number): Promise<DeadLetter[]> };
}

/** Digits only: ajv's integer coercion lets "1e999" through as Infinity. */
const Cursor = Type.String({ pattern: '^[0-9]{1,15}$', description: 'an event id' });
const Limit = (max: number) => Type.String({ pattern: '^[0-9]{1,4}$', description: `1 to ${max}` });

/** A limit from the query: 1..max, or the default when absent; a clear 400 otherwise. */
function limitOf(v: string | undefined, dflt: number, max: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (n < 1 || n > max) throw new OrchestratorError('invalid_input', `limit must be from 1 to ${max}.`);
  return n;
}

/** The outbox for operators: a page by cursor, a live SSE stream, webhook delivery state. */
export async function eventRoutes(app: FastifyInstance, deps: EventRoutesDeps): Promise<void> {
  const routes = app.withTypeProvider<TypeBoxTypeProvider>();
  routes.get(
    '/v1/events',
    {
      onRequest: deps.authorize,
      schema: {
        summary: 'Events after a cursor, oldest first (operators)',
        tags: ['operators'],
        querystring: Type.Object(
          { after: Type.Optional(Cursor), limit: Type.Optional(Limit(1000)) },
          { additionalProperties: false },
        ),
        description: `${OPERATOR_AUTH} \`next\` is the cursor for the next page; an empty page means caught up.`,
        response: eventsResponses,
      },
    },
    async (req) => {
      const q = req.query;
      const after = Number(q.after ?? 0);
      const events = await deps.events.listEvents(after, limitOf(q.limit, 100, 1000));
      return { events: events.map(eventJson), next: events.length ? events[events.length - 1]!.id : after };
    },
  );

  routes.get(
    '/v1/events/stream',
    {
      onRequest: deps.authorize,
      schema: {
        summary: 'Live events as server-sent events; resumes after Last-Event-ID (operators)',
        description: `${OPERATOR_AUTH} Starts after Last-Event-ID (a reconnect), else after \`?after=\`, else from now on.`,
        tags: ['operators'],
        querystring: Type.Object({ after: Type.Optional(Cursor) }, { additionalProperties: false }),
        response: eventStreamResponses,
      },
    },
    async (req, reply) => {
      const after = await streamCursor(req.headers['last-event-id'], req.query.after, () => deps.tail.currentHead());
      reply.hijack();
      await deps.sse.serve(reply.raw, after);
    },
  );

  routes.get(
    '/v1/webhooks',
    {
      onRequest: deps.authorize,
      schema: {
        summary: 'Webhook delivery state per URL and the newest dead letters (operators)',
        tags: ['operators'],
        description: `${OPERATOR_AUTH} \`?limit=\` caps the dead letters listed (default 50).`,
        querystring: Type.Object({ limit: Type.Optional(Limit(500)) }, { additionalProperties: false }),
        response: webhooksResponses,
      },
    },
    async (req) => {
      const limit = limitOf(req.query.limit, 50, 500);
      return { targets: await deps.webhooks.status(), deadLetters: await deps.webhooks.deadLetters(limit) };
    },
  );
}

/** Last-Event-ID (a reconnect) wins over ?after=; neither means "from now on" (the head read now). */
async function streamCursor(
  lastEventId: string | string[] | undefined,
  after: string | undefined,
  head: () => Promise<number>,
): Promise<number> {
  if (lastEventId !== undefined) {
    const v = Array.isArray(lastEventId) ? lastEventId[0]! : lastEventId;
    if (!/^\d{1,15}$/.test(v.trim()))
      throw new OrchestratorError('invalid_input', 'Last-Event-ID must be an event id (a whole number).');
    return Number(v.trim());
  }
  return after !== undefined ? Number(after) : head();
}
