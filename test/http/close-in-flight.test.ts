import type { AddressInfo } from 'node:net';
import { Agent, request } from 'node:http';
import { expect, it } from 'vitest';
import { testOrchestrator } from '../helpers/orchestrator.js';

/**
 * A request in flight when the service closes is answered, and its keep-alive connection does
 * not hold the close for KEEP_ALIVE_TIMEOUT_MS (set here far beyond the test's timeout).
 */
it('a close with a keep-alive request in flight answers it and does not wait out the keep-alive timeout', async () => {
  const o = await testOrchestrator({ MAX_SERVERS: '0', START_TIMEOUT_S: '600', KEEP_ALIVE_TIMEOUT_MS: '600000' });
  await o.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (o.app.server.address() as AddressInfo).port;
  const agent = new Agent({ keepAlive: true });
  try {
    const code = (await o.app.inject({ method: 'POST', url: '/v1/sessions', payload: {} })).json().code as string;
    // A long-poll: held until the close answers it (the session stays pending).
    const answered = new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request({ port, host: '127.0.0.1', path: `/v1/sessions/${code}?wait=60`, agent }, (res) => {
        let body = '';
        res.on('data', (c: Buffer) => (body += c.toString()));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
      });
      req.on('error', reject);
      req.end();
    });
    await new Promise((r) => setTimeout(r, 100));
    await o.close();
    const r = await answered;
    expect(r.status).toBe(200);
    expect(JSON.parse(r.body).state).toBe('pending');
  } finally {
    agent.destroy();
  }
}, 15_000);
