import type { AddressInfo } from 'node:net';
import { performance } from 'node:perf_hooks';
import { HttpReceiver } from '../test/helpers/http-receiver.js';
import { heartbeat, testOrchestrator } from '../test/helpers/orchestrator.js';
import { SseClient } from '../test/helpers/sse-client.js';

/**
 * `npx tsx bench/operator-view.ts`: what the operator's view costs. In-process orchestrator on
 * SQLite in memory, the local provider, external servers registered by heartbeat (warm starts).
 *  1. warm start latency with no webhook, and with a webhook whose receiver never answers;
 *  2. commit → SSE arrival on 20 streams;
 *  3. webhook delivery rate to a receiver that answers 204 at once;
 *  4. a /metrics scrape with 500 live servers.
 */
const STARTS = 300;
const pct = (xs: number[], p: number) =>
  [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((xs.length * p) / 100))]!;
const ms = (x: number) => `${x.toFixed(2)} ms`;

async function startLatencies(env: Record<string, string>): Promise<number[]> {
  const orch = await testOrchestrator({ MAX_SERVERS: '0', ...env });
  try {
    for (let i = 0; i < STARTS; i++) await heartbeat(orch.app, `10.1.${i >> 8}.${i & 255}`, 0);
    const out: number[] = [];
    for (let i = 0; i < STARTS; i++) {
      const t0 = performance.now();
      const r = await orch.app.inject({ method: 'POST', url: '/sessions/start' });
      out.push(performance.now() - t0);
      if (r.statusCode !== 200) throw new Error(`start ${i}: ${r.statusCode}`);
    }
    return out;
  } finally {
    await orch.close();
  }
}

async function main(): Promise<void> {
  const plain = await startLatencies({});
  const hanging = await new HttpReceiver(() => 'hold').listen();
  const hooked = await startLatencies({ WEBHOOK_URL: hanging.url, WEBHOOK_SECRET: 's', WEBHOOK_TIMEOUT_MS: '600000' });
  await hanging.close();
  console.log(
    `1. warm start, ${STARTS} sequential: no webhook p50 ${ms(pct(plain, 50))} p99 ${ms(pct(plain, 99))}; ` +
      `webhook receiver hanging p50 ${ms(pct(hooked, 50))} p99 ${ms(pct(hooked, 99))}`,
  );

  const orch = await testOrchestrator({
    ADMIN_TOKEN: 'op',
    EVENTS_POLL_MS: '1000',
    SSE_HEARTBEAT_MS: '15000',
    MAX_SERVERS: '0',
  });
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  const base = `http://127.0.0.1:${(orch.app.server.address() as AddressInfo).port}`;
  const streams = await Promise.all(
    Array.from({ length: 20 }, () => SseClient.open(`${base}/v1/events/stream`, { authorization: 'Bearer op' })),
  );
  const lags: number[] = [];
  for (let i = 0; i < 200; i++) {
    const t0 = performance.now();
    await heartbeat(orch.app, `10.2.${i >> 8}.${i & 255}`, 0);
    while (!streams.every((s) => s.messages.length > i)) await new Promise((r) => setImmediate(r));
    lags.push(performance.now() - t0);
  }
  console.log(
    `2. heartbeat that creates a server → its event on all 20 SSE streams: p50 ${ms(pct(lags, 50))} p99 ${ms(pct(lags, 99))}`,
  );
  for (const s of streams) s.close();
  await orch.close();

  const rx = await new HttpReceiver(() => 204).listen();
  const o2 = await testOrchestrator({
    WEBHOOK_URL: rx.url,
    WEBHOOK_SECRET: 's',
    EVENTS_POLL_MS: '50',
    MAX_SERVERS: '0',
  });
  for (let i = 0; i < 1000; i++) await heartbeat(o2.app, `10.3.${i >> 8}.${i & 255}`, 0);
  const t0 = performance.now();
  const before = rx.received.length;
  while (rx.received.length < 1000) await new Promise((r) => setTimeout(r, 5));
  const secs = (performance.now() - t0) / 1000;
  console.log(
    `3. webhooks: ${1000 - before} queued events delivered in ${secs.toFixed(2)} s (${Math.round((1000 - before) / secs)} events/s, one POST each, in order)`,
  );
  await rx.close();
  await o2.close();

  const o3 = await testOrchestrator({ MAX_SERVERS: '0' });
  for (let i = 0; i < 500; i++) await heartbeat(o3.app, `10.4.${i >> 8}.${i & 255}`, i % 3);
  const scrapes: number[] = [];
  for (let i = 0; i < 50; i++) {
    const t = performance.now();
    await o3.app.inject({ method: 'GET', url: '/metrics' });
    scrapes.push(performance.now() - t);
  }
  console.log(`4. /metrics with 500 live servers: p50 ${ms(pct(scrapes, 50))} p99 ${ms(pct(scrapes, 99))}`);
  await o3.close();
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
