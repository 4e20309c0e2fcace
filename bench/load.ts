import { readFileSync } from 'node:fs';
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
  /** CPU time (user + system) the load generator (this process) used over the run. */
  generatorCpuMs: number;
  /** CPU time the loaded service's process used over the run (null: no pid given, or no /proc). */
  serviceCpuMs: number | null;
}

export interface LoadOptions {
  url: string;
  connections: number;
  /** Seconds to run; ignored when `amount` is set. */
  durationS?: number;
  /** Stop after this many requests (used to register servers). */
  amount?: number;
  request: AutocannonRequest;
  /** The loaded service's process, whose CPU time is recorded beside the generator's. */
  servicePid?: number;
}

/** Runs autocannon in this process against `url` and summarises the result. */
export async function runLoad(o: LoadOptions): Promise<LoadResult> {
  const genBefore = process.cpuUsage();
  const svcBefore = o.servicePid === undefined ? null : cpuMs(o.servicePid);
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
  const gen = process.cpuUsage(genBefore);
  const svcAfter = o.servicePid === undefined ? null : cpuMs(o.servicePid);
  return {
    generatorCpuMs: (gen.user + gen.system) / 1000,
    serviceCpuMs: svcBefore === null || svcAfter === null ? null : svcAfter - svcBefore,
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

/** CPU time (user + system, ms) a process has used, from /proc; null where there is no /proc. */
export function cpuMs(pid: number): number | null {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
    // utime and stime are fields 14 and 15 of stat, in clock ticks (100 a second on Linux).
    return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
  } catch {
    return null;
  }
}
