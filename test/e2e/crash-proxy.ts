import { EventEmitter } from 'node:events';
import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http';

/** What a cloud call (DigitalOcean or Hetzner) through the proxy is doing. */
export type DoCallKind = 'create' | 'delete' | 'list' | 'get' | 'other';

/**
 * Where a call is: `held` (arrived, not yet sent on), `upstream` (the emulator is handling it),
 * `answer-held` (the emulator has acted and answered; the orchestrator has not heard yet).
 */
export type DoCallStage = 'held' | 'upstream' | 'answer-held';

export interface DoCall {
  id: number;
  kind: DoCallKind;
  stage: DoCallStage;
  startedAtMs: number;
}

export interface DoProxyOptions {
  /** The emulator's base URL. */
  upstreamUrl: string;
  /** Creates and deletes wait up to this long (uniform) before going on and again before their answer returns. */
  holdMs: number;
  /** Randomness in [0, 1); seeded by the test. */
  random: () => number;
}

/**
 * A real HTTP hop between the orchestrator and the emulator that knows which DigitalOcean calls
 * are in flight and in which stage, so the crash test can time its kills against them. It
 * widens the windows of creates and deletes with short holds, like a slow network: a kill then
 * lands before the call left, while the cloud acts, or after the cloud acted but before the
 * orchestrator heard (the case that must end in adoption, not a leak). A call that has left is
 * finished upstream even when the orchestrator dies meanwhile, as on a real network.
 */
export class DoProxy extends EventEmitter {
  private readonly calls = new Map<number, DoCall>();
  private seq = 0;
  private server: Server | null = null;
  url = '';

  constructor(private readonly o: DoProxyOptions) {
    super();
  }

  async listen(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((resolve) => this.server!.listen(0, '127.0.0.1', resolve));
    const { port } = this.server.address() as { port: number };
    this.url = `http://127.0.0.1:${port}`;
    return this.url;
  }

  /** Calls in flight now (copies). */
  inFlight(): DoCall[] {
    return [...this.calls.values()].map((c) => ({ ...c }));
  }

  async close(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    let body: Buffer;
    try {
      body = await readAll(req);
    } catch {
      return; // the orchestrator died while sending: nothing left, nothing to forward
    }
    const call: DoCall = {
      id: ++this.seq,
      kind: classify(req.method ?? 'GET', req.url ?? '/'),
      stage: 'held',
      startedAtMs: Date.now(),
    };
    this.calls.set(call.id, call);
    this.emit('call', { ...call });
    const holds = call.kind === 'create' || call.kind === 'delete';
    try {
      if (holds) await sleep(this.o.random() * this.o.holdMs);
      call.stage = 'upstream';
      const answer = await this.forward(req, body);
      call.stage = 'answer-held';
      if (holds) await sleep(this.o.random() * this.o.holdMs);
      if (!res.destroyed) res.writeHead(answer.status, answer.headers).end(answer.body);
    } catch {
      if (!res.destroyed) res.destroy();
    } finally {
      this.calls.delete(call.id);
    }
  }

  private forward(
    req: IncomingMessage,
    body: Buffer,
  ): Promise<{ status: number; headers: Record<string, string | string[]>; body: Buffer }> {
    const target = new URL(req.url ?? '/', this.o.upstreamUrl);
    return new Promise((resolve, reject) => {
      const headers = { ...req.headers, host: target.host, connection: 'close' };
      const up = request(target, { method: req.method, headers }, (r) => {
        void readAll(r).then((b) => {
          const h: Record<string, string | string[]> = {};
          for (const [k, v] of Object.entries(r.headers))
            if (v !== undefined && k !== 'connection' && k !== 'transfer-encoding') h[k] = v;
          h['content-length'] = String(b.length);
          resolve({ status: r.statusCode ?? 502, headers: h, body: b });
        }, reject);
      });
      up.on('error', reject);
      up.end(body);
    });
  }
}

function classify(method: string, url: string): DoCallKind {
  const path = url.split('?')[0] ?? '';
  // DigitalOcean's /v2/droplets or Hetzner's /v1/servers: the same four calls.
  const collection = /^\/(v2\/droplets|v1\/servers)$/.test(path);
  const one = /^\/(v2\/droplets|v1\/servers)\/\d+$/.test(path);
  if (method === 'POST' && collection) return 'create';
  if (method === 'DELETE' && one) return 'delete';
  if (method === 'GET' && collection) return 'list';
  if (method === 'GET' && one) return 'get';
  return 'other';
}

function readAll(s: NodeJS.ReadableStream): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    s.on('data', (c: Buffer) => chunks.push(c));
    s.on('end', () => resolve(Buffer.concat(chunks)));
    s.on('error', reject);
  });
}

function sleep(ms: number): Promise<void> {
  return new Promise((r) => setTimeout(r, ms));
}
