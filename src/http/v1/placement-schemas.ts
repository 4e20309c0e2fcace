import { Type } from '@sinclair/typebox';
import { Ajv } from 'ajv';
import { OrchestratorError } from '../../domain/errors.js';
import type { PlacementRequest } from '../../domain/placement.js';
import { REGION_NAME } from '../../domain/region.js';
import type { RegionStatus } from '../../sessions/placement-offers.js';

const RegionName = Type.String({
  pattern: REGION_NAME.source,
  description: 'A region of this fleet',
  examples: ['ams3'],
});

// propertyNames, not a keyed pattern: the validator removes properties that match no pattern.
const LatencyMap = Type.Record(Type.String(), Type.Number({ minimum: 0, maximum: 60_000 }), {
  propertyNames: { pattern: REGION_NAME.source },
  minProperties: 1,
  maxProperties: 100,
  description: 'One player: region → measured latency (ms); regions not measured are no candidates',
  examples: [{ ams3: 24, nyc3: 95 }],
});

/** The placement fields a /v1 start may add (POST /v1/sessions). */
export const PlacementStartFields = {
  region: Type.Optional({
    ...RegionName,
    description: 'Start in this region and no other (an unknown one: 400 unknown_region)',
  }),
  latencies: Type.Optional(
    Type.Union([LatencyMap, Type.Array(LatencyMap, { minItems: 1, maxItems: 100 })], {
      description:
        'Latency per region (ms): one map, or one per player of a party (placed by the worst player). Not with region',
    }),
  ),
  max_latency_ms: Type.Optional(
    Type.Number({
      minimum: 0,
      maximum: 60_000,
      description: 'With latencies: only regions within this for every player (none: 409 no_region_within_latency)',
    }),
  ),
};

/** A /v1 start's placement request (`{}`: the default region). Throws invalid_input for region with latencies. */
export function startPlacement(b: {
  region?: string;
  latencies?: Record<string, number> | Record<string, number>[];
  max_latency_ms?: number;
}): PlacementRequest {
  if (b.region !== undefined && b.latencies !== undefined)
    throw new OrchestratorError('invalid_input', 'give region or latencies, not both');
  if (b.max_latency_ms !== undefined && b.latencies === undefined)
    throw new OrchestratorError('invalid_input', 'max_latency_ms needs latencies');
  if (b.region !== undefined) return { region: b.region };
  if (b.latencies === undefined) return {};
  const latencies = Array.isArray(b.latencies) ? b.latencies : [b.latencies];
  return b.max_latency_ms === undefined ? { latencies } : { latencies, maxLatencyMs: b.max_latency_ms };
}

const checkPlacement = new Ajv({ coerceTypes: false, allErrors: false }).compile(
  Type.Object(PlacementStartFields, { additionalProperties: false }),
);

/**
 * The placement fields in a query string (GET /v1/lobbies): as a start's, with latencies spelt
 * `region:ms,region:ms`, players of a party separated by `;` (a parameter given twice is
 * refused on every route, query-once.ts).
 */
export const PlacementQueryFields = {
  region: PlacementStartFields.region,
  latencies: Type.Optional(
    Type.String({
      maxLength: 8000,
      description:
        "Latency per region (ms) as region:ms pairs (ams3:24,nyc3:95); a party: one player's pairs after another, separated by ; (the worst player counts). Not with region",
      examples: ['ams3:24,nyc3:95;ams3:60,nyc3:40'],
    }),
  ),
  max_latency_ms: PlacementStartFields.max_latency_ms,
};

/**
 * A query string's placement request: the latencies read into maps, then checked by the very
 * schema of a start's body and startPlacement (invalid_input when not).
 */
export function queryPlacement(q: {
  region?: string;
  latencies?: string;
  max_latency_ms?: number;
}): PlacementRequest | undefined {
  if (q.region === undefined && q.latencies === undefined && q.max_latency_ms === undefined) return undefined;
  const body: Record<string, unknown> = {};
  if (q.region !== undefined) body.region = q.region;
  if (q.max_latency_ms !== undefined) body.max_latency_ms = q.max_latency_ms;
  if (q.latencies !== undefined) {
    const maps = q.latencies.split(';').map(latencyMap);
    body.latencies = maps.length === 1 ? maps[0] : maps;
  }
  if (!checkPlacement(body)) {
    const e = checkPlacement.errors?.[0];
    throw new OrchestratorError(
      'invalid_input',
      `${e?.instancePath.slice(1) || 'placement'} ${e?.message ?? 'invalid'}`,
    );
  }
  return startPlacement(body);
}

/** `ams3:24,nyc3:95` → { ams3: 24, nyc3: 95 }; invalid_input when not so spelt. */
export function latencyMap(text: string): Record<string, number> {
  const out: Record<string, number> = {};
  for (const pair of text.split(',')) {
    const m = /^([^:]+):([0-9]{1,6}(?:\.[0-9]{1,6})?)$/.exec(pair.trim());
    if (!m || Object.hasOwn(out, m[1]!))
      throw new OrchestratorError(
        'invalid_input',
        `latencies: "${pair.slice(0, 80)}" is not region:ms (once per region)`,
      );
    out[m[1]!] = Number(m[2]);
  }
  return out;
}

/** The session view's placement fields: where it is and why. */
export const SessionPlacementFields = {
  region: Type.String({ description: 'The region its server is (or will be) in', examples: ['ams3'] }),
  placement: Type.Union([Type.String(), Type.Null()], {
    description:
      'Why it is there: default_region, requested_region, nearest_ready, nearest_cold_start, ready_in_slower_region, cold_start_in_slower_region; null: started by the original routes',
    examples: ['nearest_ready'],
  }),
};

export const RegionView = Type.Object(
  {
    name: RegionName,
    state: Type.Union([Type.Literal('usable'), Type.Literal('refusing_creates'), Type.Literal('at_cap')], {
      description:
        'usable: takes new servers; refusing_creates: its provider refused a create (closed, sold out) and it is skipped until refusing_until; at_cap: at its REGION_MAX_SERVERS or MAX_SERVERS',
    }),
    ready_servers: Type.Integer({ description: 'Ready servers a start there could claim now' }),
    ping_target: Type.String({
      description: 'A URL a client times (a few requests, the median) to estimate its latency to the region',
      examples: ['https://speedtest-ams3.digitalocean.com/'],
    }),
    default: Type.Boolean({
      description: 'The default region: the original routes, and a start naming none, go there',
    }),
    refusing_until: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  },
  { title: 'Region' },
);

export const RegionList = Type.Object(
  { items: Type.Array(RegionView) },
  {
    title: 'Regions',
    examples: [
      {
        items: [
          {
            name: 'ams3',
            state: 'usable',
            ready_servers: 1,
            ping_target: 'https://speedtest-ams3.digitalocean.com/',
            default: true,
            refusing_until: null,
          },
        ],
      },
    ],
  },
);

export function regionView(r: RegionStatus, pingTarget: string, defaultRegion: string) {
  return {
    name: r.name,
    state: r.state,
    ready_servers: r.readyServers,
    ping_target: pingTarget,
    default: r.name === defaultRegion,
    refusing_until: r.refusingUntilMs === null ? null : new Date(r.refusingUntilMs).toISOString(),
  };
}
