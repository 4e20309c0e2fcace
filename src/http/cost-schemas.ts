import { Type } from '@sinclair/typebox';
import { errorAs, open, OPERATOR_AUTH } from './operator-schemas.js';
import { errors } from './v1/schemas.js';

const hourly = (description: string) => Type.Array(Type.Number(), { description: `${description}, one per hour` });

/** The last 24 hours by the hour and by region (the dashboard's chart). */
export const LAST_24H = open(
  {
    hourStartMs: Type.Array(Type.Number(), {
      description: 'Start of each hour (epoch ms), oldest first; the last is the hour now running',
    }),
    regions: Type.Array(
      open({
        region: Type.String(),
        sessionsStarted: hourly('Sessions started'),
        servers: hourly('Most machines alive at once in the hour (so far, for the running hour)'),
        usd: hourly("Spend at the machines' hourly prices (the 60 s minimum charge left out)"),
      }),
      { description: 'Each region that had a server or a session in the window' },
    ),
  },
  { description: 'The last 24 hours by the hour and by region' },
);

/** OpenAPI schema of GET /v1/costs. */
export const costsSchema = {
  summary: 'Spend today, per day, per server and per session (operators)',
  description: `${OPERATOR_AUTH} Priced from the provider's hourly price of the configured size; 503 (with Retry-After) when the provider's prices cannot be read.`,
  tags: ['operators'],
  response: {
    200: open(
      {
        currency: Type.Literal('USD'),
        billing: Type.String(),
        size: Type.Union([Type.String(), Type.Null()], { description: 'The size new machines get' }),
        hourlyUsd: Type.Number(),
        todayUsd: Type.Number(),
        totalUsd: Type.Number({ description: 'Over the servers still on record' }),
        days: Type.Array(open({ date: Type.String(), usd: Type.Number() }), { description: 'UTC days, newest first' }),
        servers: Type.Array(
          open({
            id: Type.String(),
            state: Type.String(),
            origin: Type.String(),
            ip: Type.Union([Type.String(), Type.Null()]),
            startedAtMs: Type.Number(),
            endedAtMs: Type.Union([Type.Number(), Type.Null()]),
            size: Type.Union([Type.String(), Type.Null()], {
              description: 'The size its machine was asked for (priced at it); null: not recorded, priced at `size`',
            }),
            hours: Type.Number(),
            usd: Type.Number(),
          }),
        ),
        sessions: Type.Array(
          open({
            id: Type.String(),
            code: Type.String(),
            state: Type.String(),
            serverId: Type.Union([Type.String(), Type.Null()]),
            hours: Type.Number(),
            usd: Type.Number(),
          }),
        ),
        last24h: LAST_24H,
      },
      {
        title: 'CostReport',
        description: 'The cost report',
        examples: [
          {
            currency: 'USD',
            billing: 'per second; minimum 60 s or $0.01, whichever is higher (DigitalOcean, since 2026-01-01)',
            size: 's-1vcpu-1gb',
            hourlyUsd: 0.00893,
            todayUsd: 0.0714,
            totalUsd: 0.2143,
            days: [{ date: '2026-11-30', usd: 0.0714 }],
            servers: [
              {
                id: '5d1c…',
                state: 'allocated',
                origin: 'digitalocean',
                ip: '203.0.113.7',
                startedAtMs: 1796025600000,
                endedAtMs: null,
                size: 's-1vcpu-1gb',
                hours: 8,
                usd: 0.0714,
              },
            ],
            sessions: [{ id: '0b6f…', code: 'K7XQ3M', state: 'active', serverId: '5d1c…', hours: 1.5, usd: 0.0134 }],
            last24h: {
              hourStartMs: [1796022000000, 1796025600000],
              regions: [{ region: 'nyc3', sessionsStarted: [3, 1], servers: [2, 1], usd: [0.0134, 0.0089] }],
            },
          },
        ],
      },
    ),
    ...errors(401),
    503: errorAs(
      "ADMIN_TOKEN is unset, or the provider's prices cannot be read (see Retry-After)",
      'unavailable',
      'Prices are unavailable: the provider did not answer. Try again shortly.',
    ),
  },
};
