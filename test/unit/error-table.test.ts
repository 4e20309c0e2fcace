import { describe, expect, it } from 'vitest';
import { ERROR_CODES, OrchestratorError, Refusal } from '../../src/domain/errors.js';
import { V1_REFUSALS, errorAnswer, type Surface } from '../../src/http/error-table.js';

const SURFACES: Surface[] = ['original', 'v1', 'operator'];

describe('one error table for every surface', () => {
  for (const code of ERROR_CODES) {
    it(`${code}: answered on every surface, in its shape; a 5xx only for internal or a retry-later answer`, () => {
      for (const surface of SURFACES) {
        const a = errorAnswer(surface, new OrchestratorError(code, `neutral ${code}`, 3));
        if (code === 'internal') expect(a.status).toBe(500);
        else expect(a.status, `${surface} ${code}`).not.toBe(500);
        // The deliberate 5xx (the original contract's 503 + Retry-After, a provider's 502).
        if (a.status > 500) expect([502, 503]).toContain(a.status);
        expect(a.status).toBeGreaterThanOrEqual(400);
        expect(a.retryAfterS).toBe(3);
        if (surface === 'original') expect(a.body).toEqual({ detail: expect.any(String) });
        else expect(a.body).toEqual({ error: { code, message: expect.any(String) } });
        if (code === 'internal') expect(JSON.stringify(a.body)).not.toMatch(/neutral/);
      }
    });
  }

  it('the same status on every surface, but bad input: 400 on /v1, 422 (FastAPI) elsewhere', () => {
    for (const code of ERROR_CODES) {
      const [original, v1, operator] = SURFACES.map((s) => errorAnswer(s, new OrchestratorError(code, 'm')).status);
      expect(operator).toBe(original);
      expect(v1).toBe(code === 'invalid_input' ? 400 : original);
    }
    expect(errorAnswer('v1', new OrchestratorError('address_conflict', 'm')).status).toBe(409);
  });

  it('keeps the original’s wording; /v1 names a refusal by its reason', () => {
    expect(errorAnswer('original', new OrchestratorError('not_found', 'x')).body).toEqual({
      detail: 'Droplet not found in database.',
    });
    expect(errorAnswer('original', new OrchestratorError('unauthorized', 'x')).body).toEqual({
      detail: 'Invalid HMAC signature.',
    });
    expect(errorAnswer('original', new OrchestratorError('start_timeout', 'No game server')).body).toEqual({
      detail: 'No game server',
    });
    const full = new Refusal('conflict', 'session_full', 'full');
    expect(errorAnswer('v1', full)).toEqual({
      status: 409,
      body: { error: { code: 'session_full', message: 'full' } },
    });
    expect(errorAnswer('operator', full).body).toEqual({ error: { code: 'conflict', message: 'full' } });
  });

  it('placement refusals (issue 23): 400 unknown_region, 409 no_region_within_latency, 503 regions_unavailable with Retry-After', () => {
    const answers = (['unknown_region', 'no_region_within_latency', 'regions_unavailable'] as const).map((reason) =>
      errorAnswer(
        'v1',
        new Refusal(V1_REFUSALS[reason], reason, 'm', reason === 'regions_unavailable' ? 30 : undefined),
      ),
    );
    expect(answers.map((a) => [a.status, (a.body as { error: { code: string } }).error.code, a.retryAfterS])).toEqual([
      [400, 'unknown_region', undefined],
      [409, 'no_region_within_latency', undefined],
      [503, 'regions_unavailable', 30],
    ]);
  });
});
