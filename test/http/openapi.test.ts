import { Validator } from '@seriousme/openapi-schema-validator';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOC_PATHS } from '../../src/http/openapi.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';

let orch: Orchestrator;
let doc: {
  openapi: string;
  paths: Record<
    string,
    Record<
      string,
      {
        summary?: string;
        tags?: string[];
        responses: Record<
          string,
          {
            headers?: Record<string, unknown>;
            content?: Record<string, { schema?: unknown; example?: unknown; examples?: unknown }>;
          }
        >;
      }
    >
  >;
};
beforeAll(async () => {
  orch = await testOrchestrator({ ADMIN_TOKEN: 'x' });
  const r = await orch.app.inject({ method: 'GET', url: '/openapi.json' });
  expect(r.statusCode).toBe(200);
  doc = r.json();
});
afterAll(async () => orch.close());

/** Fastify's `/a/:b` as OpenAPI's `/a/{b}`. */
const openApiPath = (url: string) => url.replace(/:([A-Za-z0-9_]+)/g, '{$1}');

describe('OpenAPI document', () => {
  it('is a valid OpenAPI 3.1 document', async () => {
    expect(doc.openapi).toBe('3.1.0');
    const validator = new Validator();
    const res = await validator.validate(doc);
    expect(res.errors ?? []).toEqual([]);
    expect(res.valid).toBe(true);
  });

  it('documents every registered route (v1 and the original routes), except the docs themselves', () => {
    const routes = orch.app.registeredRoutes.filter(
      (r) => !DOC_PATHS.some((p) => r.url === p || r.url.startsWith(`${p}/`)),
    );
    expect(routes.length).toBeGreaterThan(15);
    const missing = routes.filter((r) => !doc.paths[openApiPath(r.url)]?.[r.method.toLowerCase()]);
    expect(missing).toEqual([]);
    for (const path of [
      '/',
      '/sessions/start',
      '/sessions/join',
      '/server/heartbeat',
      '/server/end',
      '/sessions/end',
      '/v1/sessions',
      '/v1/sessions/{code}/join',
      '/v1/servers/{id}/heartbeat',
      '/v1/pool',
    ]) {
      expect(doc.paths[path], path).toBeDefined();
    }
  });

  it('every operation has a summary, tags, an example on each response, and its error responses', () => {
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        const where = `${method.toUpperCase()} ${path}`;
        expect(op.summary, where).toBeTruthy();
        expect(op.tags?.length, where).toBeGreaterThan(0);
        for (const [status, resp] of Object.entries(op.responses)) {
          // Every media type the response has (JSON, or text, HTML, an event stream) shows an example;
          // a response without a body (a redirect) shows one for its headers.
          const media = Object.values(resp.content ?? {});
          const hasExample = media.length
            ? media.every(
                (m) =>
                  m.example !== undefined ||
                  m.examples !== undefined ||
                  JSON.stringify(m.schema).includes('"examples"'),
              )
            : JSON.stringify(resp.headers ?? {}).includes('"examples"');
          expect(hasExample, `${where} ${status}`).toBeTruthy();
        }
        // `/` and `/healthz` answer whenever the process can answer at all: they have no error response.
        if (path !== '/' && path !== '/healthz')
          expect(
            Object.keys(op.responses).some((s) => Number(s) >= 400),
            `${where} has error responses`,
          ).toBe(true);
      }
    }
  });

  it('Swagger UI is browsable at /docs', async () => {
    const r = await orch.app.inject({ method: 'GET', url: '/docs' });
    expect(r.statusCode).toBe(200);
    expect(r.headers['content-type']).toMatch(/text\/html/);
    expect(r.body).toContain('swagger');
  });
});
