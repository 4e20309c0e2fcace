import path from 'node:path';
import { fileURLToPath } from 'node:url';
import {
  startHetznerEmulator,
  type HetznerEmulatorOptions,
  type RunningHetznerEmulator,
} from '../../../src/emulator/hetzner/index.js';
import { FakeClock } from '../../../src/util/clock.js';
import { SpecValidator } from '../spec-validator.js';

export const HZ_TOKEN = 'hz-test-token-0123456789abcdef';
export const HZ_SPEC_FILE = path.resolve(
  path.dirname(fileURLToPath(import.meta.url)),
  '../hetzner-openapi/hcloud-orchestrator-subset.json',
);

/** The vendored Hetzner subset; request URLs carry `/v1` before its paths. */
export const hzSpec = (): SpecValidator => SpecValidator.load(HZ_SPEC_FILE, '/v1');

export interface HzCall {
  status: number;
  headers: Headers;
  body: string;
  json: Record<string, any>;
}

/** A listening Hetzner emulator on a fake clock, and authenticated calls to it over HTTP. */
export async function hzEmulator(opts: HetznerEmulatorOptions = {}): Promise<{
  emu: RunningHetznerEmulator;
  clock: FakeClock;
  call(method: string, url: string, body?: unknown, token?: string | null): Promise<HzCall>;
  advance(ms: number): Promise<void>;
}> {
  const clock = new FakeClock(Date.UTC(2026, 0, 15, 12, 0, 0));
  const emu = await startHetznerEmulator({ bootDelayMs: 5000, seed: 7, clock, ...opts });
  return {
    emu,
    clock,
    call: async (method, url, body, token = HZ_TOKEN) => {
      const headers: Record<string, string> = {};
      if (token !== null) headers.authorization = `Bearer ${token}`;
      if (body !== undefined) headers['content-type'] = 'application/json';
      const res = await fetch(emu.url + url, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const text = await res.text();
      let json: Record<string, any> = {};
      try {
        json = text ? (JSON.parse(text) as Record<string, any>) : {};
      } catch {
        json = {};
      }
      return { status: res.status, headers: res.headers, body: text, json };
    },
    advance: async (ms) => {
      clock.advance(ms);
      await new Promise((r) => setImmediate(r));
    },
  };
}

export function createBody(over: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    name: 'gs-1',
    server_type: 'cpx22',
    image: '310000001',
    location: 'fsn1',
    labels: { 'game-orchestrator': 'x' },
    user_data: '#cloud-config\n',
    ...over,
  };
}
