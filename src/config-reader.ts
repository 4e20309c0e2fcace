import { existsSync } from 'node:fs';
import { canonicalIp } from './domain/ip-address.js';

/** The environment as read: variable name → value (unset or empty count alike). */
export type Env = Readonly<Record<string, string | undefined>>;

/**
 * Reads typed settings from the environment and collects every problem, so one message names
 * every bad variable. config.ts and each provider's settings read through one Reader.
 */
export class Reader {
  readonly problems: string[] = [];
  /** Every variable asked for: what counts as one of ours when looking for lookalikes. */
  readonly names = new Set<string>(['DOTENV_PATH']);
  constructor(readonly env: Env) {}
  raw(name: string): string | undefined {
    this.names.add(name);
    const v = this.env[name];
    return v === undefined || v.trim() === '' ? undefined : v.trim();
  }
  problem(text: string): void {
    this.problems.push(text);
  }
  bad(name: string, value: string, want: string): void {
    // Values are shown except for secrets, which never reach a message.
    const shown = /TOKEN|SECRET|KEY/.test(name) ? '<hidden>' : JSON.stringify(value);
    this.problems.push(`${name}=${shown}: expected ${want}`);
  }
  str(name: string, dflt: string): string {
    return this.raw(name) ?? dflt;
  }
  num(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^-?\d+(\.\d+)?$/.test(v) || n < min || n > max) {
      this.bad(name, v, `a number from ${min} to ${max}`);
      return dflt;
    }
    return n;
  }
  int(name: string, dflt: number, min: number, max: number): number {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    const n = Number(v);
    if (!/^-?\d+$/.test(v) || n < min || n > max) {
      this.bad(name, v, `a whole number from ${min} to ${max}`);
      return dflt;
    }
    return n;
  }
  bool(name: string, dflt: boolean): boolean {
    const v = this.raw(name)?.toLowerCase();
    if (v === undefined) return dflt;
    if (['1', 'true', 'yes', 'on'].includes(v)) return true;
    if (['0', 'false', 'no', 'off'].includes(v)) return false;
    this.bad(name, v, 'true or false');
    return dflt;
  }
  oneOf<T extends string>(name: string, dflt: T, allowed: readonly T[]): T {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.bad(name, v, `one of ${allowed.join(', ')}`);
    return dflt;
  }
  url(name: string, dflt: string): string {
    const v = this.raw(name);
    if (v === undefined) return dflt;
    try {
      const u = new URL(v);
      if (u.protocol === 'http:' || u.protocol === 'https:') return v;
    } catch {
      /* reported below */
    }
    this.bad(name, v, 'an http(s) URL');
    return dflt;
  }
  /** TRUST_PROXY: false | true (= 1 hop) | hops | comma-separated proxy addresses/CIDRs. */
  trustProxy(name: string): false | number | string[] {
    const v = this.raw(name);
    if (v === undefined) return false;
    const lower = v.toLowerCase();
    if (['false', 'no', 'off', '0'].includes(lower)) return false;
    if (['true', 'yes', 'on'].includes(lower)) return 1;
    if (/^\d+$/.test(v)) {
      const hops = Number(v);
      if (hops <= 100) return hops;
    }
    const entries = this.list(name);
    const bad = entries.filter((e) => !isProxyEntry(e));
    if (entries.length === 0 || bad.length > 0) {
      this.bad(
        name,
        v,
        'false, true (one proxy hop), a number of hops up to 100, or a comma-separated list of proxy addresses/CIDRs',
      );
      return false;
    }
    return entries;
  }
  list(name: string): string[] {
    return (this.raw(name) ?? '')
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean);
  }
}

/** An address, a CIDR, or one of proxy-addr's named ranges. */
function isProxyEntry(e: string): boolean {
  if (['loopback', 'linklocal', 'uniquelocal'].includes(e)) return true;
  const m = /^([^/]+)(?:\/(\d{1,3}))?$/.exec(e);
  const ip = m ? canonicalIp(m[1]!) : null;
  if (!ip) return false;
  return m![2] === undefined || Number(m![2]) <= (ip.includes(':') ? 128 : 32);
}

/** process.env after `.env` in the working directory (real environment wins). */
export function readProcessEnv(): Env {
  const file = process.env.DOTENV_PATH ?? '.env';
  if (existsSync(file)) process.loadEnvFile(file);
  return process.env;
}

/** Freezes a settings object and everything in it. */
export function deepFreeze<T>(o: T): Readonly<T> {
  if (o && typeof o === 'object') {
    for (const v of Object.values(o)) deepFreeze(v);
    Object.freeze(o);
  }
  return o;
}
