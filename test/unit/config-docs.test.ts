import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.js';

// docs/configuration.md is the one reference for settings: a variable the code reads and the table
// omits is a setting nobody can find; a row the code never reads is a setting that silently does
// nothing. Both directions are checked against what the code really reads.
const ROOT = path.resolve(import.meta.dirname, '../..');

/** Names in the first cell of each table row of docs/configuration.md (`A`, `B` rows name two). */
function documentedNames(): Set<string> {
  const names = new Set<string>();
  for (const line of readFileSync(path.join(ROOT, 'docs/configuration.md'), 'utf8').split('\n')) {
    const cell = /^\|([^|]*)\|/.exec(line)?.[1] ?? '';
    for (const m of cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)) names.add(m[1]!);
  }
  return names;
}

/**
 * Every name loadConfig asks its environment for, over environments that take each branch that
 * reads more (DigitalOcean, PostgreSQL, the forecast pool): recorded by a proxy, so a variable read
 * by any module config composes counts, wherever the reading moves.
 */
function namesReadByLoadConfig(): Set<string> {
  const read = new Set<string>();
  const envs: Record<string, string>[] = [
    {},
    { PROVIDER: 'digitalocean', DIGITALOCEAN_TOKEN: 't', SNAPSHOT_ID: '1' },
    { DATABASE_URL: 'postgres://u@127.0.0.1/db' },
    { POOL_POLICY: 'forecast', WEBHOOK_URL: 'http://127.0.0.1:1/h', WEBHOOK_SECRET: 's' },
  ];
  for (const values of envs) {
    const env = new Proxy(values, {
      get(target, name) {
        if (typeof name === 'string') read.add(name);
        return typeof name === 'string' ? target[name] : undefined;
      },
      has(target, name) {
        if (typeof name === 'string') read.add(name);
        return name in target;
      },
    });
    loadConfig(env);
  }
  return read;
}

/** `process.env.X` / `process.env['X']` anywhere under src/ (.ts), e.g. DOTENV_PATH before the .env is loaded. */
function namesReadFromProcessEnv(): Set<string> {
  const read = new Set<string>();
  const files = readdirSync(path.join(ROOT, 'src'), { recursive: true, encoding: 'utf8' }).filter((f) =>
    f.endsWith('.ts'),
  );
  for (const f of files) {
    const text = readFileSync(path.join(ROOT, 'src', f), 'utf8');
    for (const m of text.matchAll(/process\.env(?:\.([A-Z][A-Z0-9_]*)|\[\s*['"]([A-Z][A-Z0-9_]*)['"]\s*\])/g))
      read.add((m[1] ?? m[2])!);
  }
  return read;
}

describe('docs/configuration.md against the code', () => {
  const documented = documentedNames();
  const read = new Set([...namesReadByLoadConfig(), ...namesReadFromProcessEnv()]);

  it('finds a plausible table (the parser did not silently read nothing)', () => {
    expect(documented.size).toBeGreaterThan(80);
    expect(documented).toContain('PORT');
    expect(read).toContain('PORT');
  });

  it('documents every variable the configuration reads', () => {
    expect([...read].filter((n) => !documented.has(n)).sort()).toEqual([]);
  });

  it('reads every variable it documents', () => {
    expect([...documented].filter((n) => !read.has(n)).sort()).toEqual([]);
  });
});
