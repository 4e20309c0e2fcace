import { Type, type TSchema } from '@sinclair/typebox';
import { ErrorBody } from './v1/schemas.js';

/**
 * Parts shared by the OpenAPI schemas of the operator's view: health-schemas.ts,
 * cost-schemas.ts, event-schemas.ts and dashboard-schemas.ts. A response schema also drives
 * Fastify's serialiser, so every JSON object there keeps fields it does not name
 * (`additionalProperties: true`), and non-JSON bodies (text, HTML, an event stream, assets) are
 * documented per media type: Fastify sends a string or a Buffer with its own non-JSON content
 * type, and a hijacked stream, as they are.
 */

/** An error response in the service's shape, with an example of this route's own message. */
export function errorAs(description: string, code: string, message: string) {
  return { ...ErrorBody, description, examples: [{ error: { code, message } }] };
}

/** A 200 whose body is not JSON: its media type, a string schema and an example. */
export function bodyOf(description: string, mediaTypes: string[], example: string) {
  const schema = Type.String({ examples: [example] });
  return { description, content: Object.fromEntries(mediaTypes.map((m) => [m, { schema }])) };
}

/** A JSON object that keeps fields it does not name (see above). */
export const open = <T extends Record<string, TSchema>>(props: T, options: Record<string, unknown> = {}) =>
  Type.Object(props, { additionalProperties: true, ...options });

export const OPERATOR_AUTH =
  "Auth: `Authorization: Bearer $ADMIN_TOKEN`, or the dashboard's session cookie. 503 while ADMIN_TOKEN is unset.";

/** A query that fails its schema (400) or its range (422); both in the error shape. */
export const badQuery = (example400: string, example422: string) => ({
  400: errorAs('Bad query: the message names the field', 'invalid_input', example400),
  422: errorAs('A value out of range', 'invalid_input', example422),
});
