import autocannon, { type AutocannonRequest } from 'autocannon';

/** One measured run of one case. */
export interface LoadResult {
  /** 2xx answers per second over the run. */
  okPerS: number;
  /** All answers per second (2xx and the rest). */
  answersPerS: number;
  p50Ms: number;
  p99Ms: number;
  /** Answers that were not 2xx, by status code. */
  non2xx: Record<string, number>;
  /** Socket errors and timeouts (no answer at all); autocannon's `errors` already counts its timeouts. */
  errors: number;
  /** Of `errors`, the timeouts. */
  timeouts: number;
  ok: number;
  durationS: number;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  durationS?: number;
  /** Stop after this many requests (used to register servers). */
  amount?: number;
  request: AutocannonRequest;
}

/** Runs autocannon in this process against `url` and summarises the result. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const r = await autocannon({
    url: o.url,
    connections: o.connections,
    ...(o.amount !== undefined ? { amount: o.amount } : { duration: o.durationS ?? 10 }),
    timeout: 30,
    requests: [o.request],
    // Each connection its own copy of the request: autocannon builds a request's bytes into the
    // request object, so with one shared object every connection's FIRST request carried the
    // bytes the last connection built — 50 copies of one signature, 49 of them refused as replays.
    setupClient: (client) => client.setRequests([{ ...o.request }]),
  });
  const non2xx: Record<string, number> = {};
  for (const [code, { count }] of Object.entries(r.statusCodeStats)) if (!code.startsWith('2')) non2xx[code] = count;
  const answers = Object.values(r.statusCodeStats).reduce((n, s) => n + s.count, 0);
  const durationS = r.duration > 0 ? r.duration : 1;
  return {
    okPerS: r['2xx'] / durationS,
    answersPerS: answers / durationS,
    p50Ms: r.latency.p50,
    p99Ms: r.latency.p99,
    non2xx,
    errors: r.errors,
    timeouts: r.timeouts,
    ok: r['2xx'],
    durationS,
  };
}

/** A request whose headers/body are made fresh for every send (each signature is single-use). */
export function dynamicRequest(
  make: () => { method: string; path: string; headers?: Record<string, string>; body?: string },
): AutocannonRequest {
  return {
    setupRequest: (req) => {
      const m = make();
      return { ...req, method: m.method, path: m.path, headers: { ...(m.headers ?? {}) }, body: m.body ?? '' };
    },
  };
}
