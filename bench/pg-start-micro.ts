import { randomBytes } from 'node:crypto';
import os from 'node:os';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase } from '../src/store/open-database.js';
import { startOnReadyServer } from '../src/store/warm-start-queries.js';
import { cpuMs } from './cpu-usage.js';
import { fillWarmPool } from './warm-pool.js';

/*
 * `npx tsx bench/pg-start-micro.ts [--url postgres://…] [--starts 3000] [--rounds 3] [--sql '…']`:
 * PostgreSQL's own CPU for one warm-start statement (warm-start-queries.ts), with no HTTP, no
 * replica and no other client: one connection runs the statement back to back, and the CPU
 * time of its backend process (/proc, user + system) is divided by the starts; --clients K runs
 * K such loops at once on K connections (their contention, still without HTTP). Unlike starts/s
 * this hardly depends on what else the machine runs. Each round takes a fresh schema twice,
 * as migrated (A) and with --sql run on it after the pool is filled (B), A and B interleaved;
 * with no --sql, A and B are the same (the noise). synchronous_commit is off on the connection
 * (unless --durable) so a run does not wait on fsync; the statement's own work is the same.
 */
async function oneRun(
  base: string,
  starts: number,
  extraSql: string,
  durable: boolean,
  clients: number,
): Promise<{ ms: number; wallMs: number }> {
  const schema = `micro_${randomBytes(4).toString('hex')}`;
  const admin = new pg.Client({ connectionString: base });
  await admin.connect();
  await admin.query(`CREATE SCHEMA ${schema}`);
  const url = `${base}${base.includes('?') ? '&' : '?'}application_name=${schema}&options=${encodeURIComponent(`-c search_path=${schema} ${durable ? '' : ' -c synchronous_commit=off'}`)}`;
  try {
    await fillWarmPool({ kind: 'postgres', url }, starts + 600);
    if (extraSql) await admin.query(`SET search_path = ${schema}; ${extraSql}`);
    const { db } = openDatabase({ kind: 'postgres', url, pool: { max: clients } });
    try {
      let n = 0;
      const start = (now: number) =>
        startOnReadyServer(db, {
          nowMs: now,
          fresh: () => ({ id: `s-${schema}-${n}`, code: `${schema}-${n++}` }),
        });
      // `clients` loops, each starting one after the other.
      const loops = async (count: number) =>
        Promise.all(
          Array.from({ length: clients }, async () => {
            for (let i = 0; i < count / clients; i++) if (!(await start(Date.now()))) throw new Error('pool ran dry');
          }),
        );
      await loops(500); // warm-up: every connection open, prepared, on its generic plan
      const pids = (
        await admin.query<{ pid: number }>(`SELECT pid FROM pg_stat_activity WHERE application_name = $1`, [schema])
      ).rows.map((r) => r.pid);
      const cpu = () => cpuMs(pids);
      const cpu0 = cpu();
      const t0 = performance.now();
      await loops(starts);
      return { ms: (cpu() - cpu0) / starts, wallMs: (performance.now() - t0) / starts };
    } finally {
      await db.destroy();
    }
  } finally {
    await admin.query(`DROP SCHEMA ${schema} CASCADE`);
    await admin.end();
  }
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      url: { type: 'string', default: process.env.BENCH_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres' },
      starts: { type: 'string', default: '3000' },
      rounds: { type: 'string', default: '3' },
      sql: { type: 'string', default: '' },
      durable: { type: 'boolean', default: false },
      clients: { type: 'string', default: '1' },
    },
  });
  const starts = Number(values.starts);
  console.log(
    `load ${os
      .loadavg()
      .map((x) => x.toFixed(2))
      .join(' ')}; ${starts} starts per run; B: ${values.sql || '(same as A)'}`,
  );
  const a: number[] = [];
  const b: number[] = [];
  for (let r = 0; r < Number(values.rounds); r++) {
    const x = await oneRun(values.url, starts, '', values.durable, Number(values.clients));
    const y = await oneRun(values.url, starts, values.sql, values.durable, Number(values.clients));
    a.push(x.ms);
    b.push(y.ms);
    console.log(
      `round ${r + 1}: A ${x.ms.toFixed(3)} ms CPU/start (${x.wallMs.toFixed(3)} ms wall), B ${y.ms.toFixed(3)} ms CPU/start (${y.wallMs.toFixed(3)} ms wall)`,
    );
  }
  const median = (v: number[]) => [...v].sort((p, q) => p - q)[Math.floor(v.length / 2)]!;
  console.log(
    `median backend CPU per start: A ${median(a).toFixed(3)} ms, B ${median(b).toFixed(3)} ms, B/A ${(median(b) / median(a)).toFixed(3)}`,
  );
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
