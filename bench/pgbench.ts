import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';

/*
 * PostgreSQL's own ceiling for the bench: pgbench running a transaction shaped like a warm
 * start's writes (one single-row UPDATE and one INSERT, then COMMIT), on the same server as the
 * replicas, in a schema of its own. A warm start does more (reads, an idempotency key, events),
 * so this is the upper bound a replica is measured against, not a like-for-like number.
 */

export interface PgbenchResult {
  clients: number;
  durationS: number;
  tps: number;
  /** pgbench's own latency average, ms. */
  latencyMs: number;
  failed: number;
  command: string;
}

const SCRIPT = `\\set aid random(1, 100000)
BEGIN;
UPDATE pgb.accounts SET balance = balance + 1 WHERE aid = :aid;
INSERT INTO pgb.history (aid, delta, at) VALUES (:aid, 1, now());
END;
`;

/** The pgbench binary: PGBENCH, else the one on PATH (Debian's postgresql-client ships /usr/bin/pgbench). */
const PGBENCH = process.env.PGBENCH ?? 'pgbench';

export async function runPgbench(url: string, clients: number, durationS: number): Promise<PgbenchResult> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(`DROP SCHEMA IF EXISTS pgb CASCADE; CREATE SCHEMA pgb;
      CREATE TABLE pgb.accounts (aid int PRIMARY KEY, balance bigint NOT NULL);
      CREATE TABLE pgb.history (id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, aid int NOT NULL, delta int NOT NULL, at timestamptz NOT NULL);
      INSERT INTO pgb.accounts SELECT g, 0 FROM generate_series(1, 100000) g;`);
    await c.query('VACUUM ANALYZE pgb.accounts');
  } finally {
    await c.end();
  }
  const dir = mkdtempSync(path.join(tmpdir(), 'pgbench-'));
  const script = path.join(dir, 'update-insert.sql');
  writeFileSync(script, SCRIPT);
  const args = ['-n', '-M', 'prepared', '-f', script, '-c', String(clients), '-j', '2', '-T', String(durationS)];
  try {
    const { stdout } = await promisify(execFile)(PGBENCH, [...args, url], { timeout: (durationS + 60) * 1000 });
    const num = (re: RegExp) => Number(re.exec(stdout)?.[1] ?? NaN);
    return {
      clients,
      durationS,
      tps: Math.round(num(/tps = ([\d.]+)/)),
      latencyMs: num(/latency average = ([\d.]+) ms/),
      failed: num(/number of failed transactions: (\d+)/) || 0,
      command: `pgbench ${args.join(' ').replace(script, 'update-insert.sql')} <url>`,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    const d = new pg.Client({ connectionString: url });
    await d.connect();
    await d.query('DROP SCHEMA IF EXISTS pgb CASCADE').finally(() => d.end());
  }
}

/** The targets (#22), each met or not, from one run's figures. */
export interface Target {
  target: string;
  met: boolean;
  figures: string;
}

interface Measured {
  setup: string;
  replicas: number;
  okPerS: number;
  p99Ms: number;
  non2xx: number;
  errors: number;
  sessions: number;
  assigned: number;
  distinctServers: number;
}

export function targets(results: readonly Measured[], pgb: PgbenchResult | null, connections: number): Target[] {
  const one = results.find((r) => r.setup.startsWith('PostgreSQL') && r.replicas === 1);
  const three = results.find((r) => r.setup.startsWith('PostgreSQL') && r.replicas === 3);
  const out: Target[] = [];
  if (one && pgb)
    out.push({
      target: 'one replica ≥ 50% of pgbench tps',
      met: one.okPerS >= pgb.tps / 2,
      figures: `${one.okPerS}/s vs ${pgb.tps} tps (${Math.round((one.okPerS / pgb.tps) * 100)}%)`,
    });
  if (one && three)
    out.push({
      target: 'three replicas ≥ one replica',
      met: three.okPerS >= one.okPerS,
      figures: `${three.okPerS}/s vs ${one.okPerS}/s`,
    });
  const worst = Math.max(...results.map((r) => r.p99Ms));
  out.push({
    target: `p99 < 100 ms at ${connections} connections (every setup)`,
    met: worst < 100,
    figures: results.map((r) => `${r.setup} ${r.p99Ms} ms`).join('; '),
  });
  const bad = results.reduce((n, r) => n + r.non2xx + r.errors, 0);
  out.push({ target: '0 non-2xx (and no socket errors)', met: bad === 0, figures: `${bad}` });
  out.push({
    target: 'sessions = distinct servers (no server given twice)',
    met: results.every((r) => r.assigned === r.distinctServers),
    figures: results.map((r) => `${r.assigned} given a server, ${r.distinctServers} distinct`).join('; '),
  });
  return out;
}
