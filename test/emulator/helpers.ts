import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { buildEmulatorApp, type EmulatorOptions } from '../../src/emulator/index.js';
import { FakeClock } from '../../src/util/clock.js';

export const AUTH = { authorization: 'Bearer dop_v1_test' } as const;

/** A snapshot create body that is valid in nyc3. */
export function createBody(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { name: 'gs-1', region: 'nyc3', size: 's-1vcpu-1gb', image: 7555620, tags: ['femquest-server'], ...overrides };
}

/** An emulator app on a fake clock, plus shortcuts for authenticated calls. */
export interface TestEmulator {
  app: FastifyInstance;
  clock: FakeClock;
  call(method: 'GET' | 'POST' | 'PUT' | 'DELETE', url: string, payload?: unknown): Promise<LightMyRequestResponse>;
  /** Moves the fake clock and lets the emulator's scheduled steps run. */
  advance(ms: number): Promise<void>;
}

export function testEmulator(opts: EmulatorOptions = {}): TestEmulator {
  const clock = new FakeClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const app = buildEmulatorApp({ bootDelayMs: 5000, seed: 42, clock, ...opts });
  return {
    app,
    clock,
    call: (method, url, payload) =>
      app.inject({ method, url, headers: AUTH, ...(payload === undefined ? {} : { payload: payload as object }) }),
    advance: async (ms) => {
      clock.advance(ms);
      await flush();
    },
  };
}

/** Lets resolved timers' continuations run. */
export function flush(): Promise<void> {
  return new Promise((resolve) => setImmediate(resolve));
}

export function json<T = Record<string, any>>(res: LightMyRequestResponse): T {
  return JSON.parse(res.body) as T;
}
