import { Type } from '@sinclair/typebox';
import { bodyOf, errorAs, open } from './operator-schemas.js';

/** OpenAPI schemas of /healthz, /readyz and /metrics. */
export const healthzSchema = {
  summary: 'Liveness: the process answers',
  description: 'No auth. 200 whenever the process can answer at all (for a liveness probe).',
  tags: ['health'],
  response: {
    200: Type.Object({ status: Type.Literal('ok') }, { description: 'Alive', examples: [{ status: 'ok' }] }),
  },
};

const Readiness = (status: string, description: string, example: Record<string, string>) =>
  open(
    {
      status: Type.String({ examples: [status] }),
      checks: Type.Record(Type.String(), Type.String(), { description: '"ok", or a short reason (no secrets)' }),
    },
    { description, examples: [{ status, checks: example }] },
  );

export const readyzSchema = {
  summary: 'Readiness: the database and the provider answer',
  description:
    'No auth. Runs each check (database, provider) and reports each one; 503 when any fails (for a readiness probe).',
  tags: ['health'],
  response: {
    200: Readiness('ready', 'Every check passed', { database: 'ok', provider: 'ok' }),
    503: Readiness('not ready', 'A check failed; each check says why', {
      database: 'ok',
      provider: 'the last reconcile pass could not list the provider',
    }),
  },
};

export const metricsSchema = {
  summary: 'Prometheus metrics (text exposition format)',
  description:
    'Auth: `Authorization: Bearer $METRICS_TOKEN` when METRICS_TOKEN is set; open otherwise (scrapers usually sit on a private network).',
  tags: ['health'],
  response: {
    200: bodyOf(
      'Metrics in the Prometheus text format',
      ['text/plain'],
      '# HELP orchestrator_sessions_started_total Sessions started, by warm (a ready server claimed) or cold (a new server needed).\n# TYPE orchestrator_sessions_started_total counter\norchestrator_sessions_started_total{start="warm"} 3\n',
    ),
    401: errorAs(
      'METRICS_TOKEN is set and the request does not carry it',
      'unauthorized',
      'A valid metrics token is required.',
    ),
  },
};
