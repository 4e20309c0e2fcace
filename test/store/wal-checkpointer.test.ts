import { closeSync, existsSync, mkdtempSync, openSync, readSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { afterEach, expect, it } from 'vitest';
import { openDatabase } from '../../src/store/open-database.js';
import { startWalCheckpointer, WAL_CHECKPOINT_INTERVAL_MS } from '../../src/store/wal-checkpointer.js';
import BetterSqlite3 from 'better-sqlite3';

/**
 * An SQLite file never checkpoints inside a commit on the service's thread (wal_autocheckpoint
 * is off on its connection); a worker thread checkpoints instead, so the WAL still starts over
 * once it has been copied into the database file.
 */
let dir: string | null = null;
afterEach(() => {
  if (dir) rmSync(dir, { recursive: true, force: true });
  dir = null;
});

const walBytes = (file: string) => {
  try {
    return statSync(`${file}-wal`).size;
  } catch {
    return 0;
  }
};

it('checkpoints an SQLite file from a worker thread, never in a commit, and the WAL starts over', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'wal-'));
  const file = path.join(dir, 'o.db');
  const { db } = openDatabase({ kind: 'sqlite', path: file });
  try {
    const { rows } = await sql<{ wal_autocheckpoint: number }>`PRAGMA wal_autocheckpoint`.execute(db);
    expect(rows[0]?.wal_autocheckpoint).toBe(0);
    await sql`CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)`.execute(db);
    const write = async (from: number) => {
      for (let i = from; i < from + 3000; i++)
        await sql`INSERT INTO t (k, v) VALUES (${i}, ${'x'.repeat(200)})`.execute(db);
    };
    await write(0);
    // 3,000 commits: past SQLite's own 1,000-page threshold, and nobody on this thread checkpointed.
    const grown = walBytes(file);
    expect(grown).toBeGreaterThan(1000 * 4096);
    // The worker catches up; the next write starts the WAL over instead of growing it.
    await new Promise((r) => setTimeout(r, WAL_CHECKPOINT_INTERVAL_MS * 2.5));
    await write(3000);
    await new Promise((r) => setTimeout(r, WAL_CHECKPOINT_INTERVAL_MS * 2.5));
    await write(6000);
    expect(walBytes(file)).toBeLessThan(grown * 1.5);
    const { rows: count } = await sql<{ n: number }>`SELECT count(*) AS n FROM t`.execute(db);
    expect(count[0]?.n).toBe(9000);
  } finally {
    await db.destroy();
  }
}, 30_000);

/** The WAL header's checkpoint sequence number: it goes up each time the WAL starts over. */
function walSequence(file: string): number {
  const fd = openSync(`${file}-wal`, 'r');
  try {
    const header = Buffer.alloc(16);
    readSync(fd, header, 0, 16, 0);
    return header.readUInt32BE(12);
  } finally {
    closeSync(fd);
  }
}

/**
 * A service connection as openDatabase makes it (WAL, no automatic checkpoints) with a
 * checkpointer of the test's own settings.
 */
function serviceConnection(file: string, restartPages: number) {
  const raw = new BetterSqlite3(file);
  raw.pragma('journal_mode = WAL');
  raw.pragma('synchronous = NORMAL');
  raw.pragma('busy_timeout = 5000');
  raw.pragma('wal_autocheckpoint = 0');
  const checkpointer = startWalCheckpointer(file, { restartPages, onGone: () => {} });
  return {
    raw,
    async close() {
      raw.close();
      await checkpointer.stop();
    },
  };
}

it('under writes that never pause (a loaded service) the WAL still starts over once past restartPages', async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'wal-'));
  const file = path.join(dir, 'o.db');
  const restartPages = 1024;
  const c = serviceConnection(file, restartPages);
  try {
    c.raw.exec('CREATE TABLE t (k INTEGER PRIMARY KEY, v TEXT)');
    const insert = c.raw.prepare('INSERT INTO t (v) VALUES (?)');
    let commits = 0;
    let seqAtStart = -1;
    const until = Date.now() + WAL_CHECKPOINT_INTERVAL_MS * 5;
    while (Date.now() < until) {
      // Three commits every millisecond or so, as requests arrive: a checkpoint that copies for
      // longer than that never finds the WAL quiet, so PASSIVE alone never lets it start over.
      for (let i = 0; i < 3; i++) insert.run('x'.repeat(200));
      commits += 3;
      if (seqAtStart < 0) seqAtStart = walSequence(file);
      await new Promise((r) => setTimeout(r, 1));
    }
    // Every commit appends at least one 4 KiB frame.
    const appended = commits * 4096;
    console.log(
      `WAL test: ${commits} commits, ${(appended / 2 ** 20).toFixed(1)} MiB appended, WAL file ${(walBytes(file) / 2 ** 20).toFixed(1)} MiB`,
    );
    expect(appended).toBeGreaterThan(2 * restartPages * 4096);
    // The WAL started over: its header's checkpoint sequence number moves at each restart.
    expect(walSequence(file)).toBeGreaterThan(seqAtStart);
    expect(walBytes(file)).toBeLessThan(appended);
    expect((c.raw.prepare('SELECT count(*) AS n FROM t').get() as { n: number }).n).toBe(commits);
  } finally {
    await c.close();
  }
}, 30_000);

it('destroy() resolves only after the checkpoint worker let go of the files: nothing is left open or re-created', async () => {
  // CI once failed on ENOTEMPTY removing a test's directory: the worker still held (or was
  // opening) the database while the test removed the files. The last connection to close
  // deletes the -wal and -shm files, so their absence right after destroy() shows both closed.
  for (let i = 0; i < 4; i++) {
    const d = mkdtempSync(path.join(tmpdir(), 'wal-close-'));
    const file = path.join(d, 'o.db');
    const { db } = openDatabase({ kind: 'sqlite', path: file });
    await sql`CREATE TABLE t (k INTEGER PRIMARY KEY)`.execute(db);
    // Every other round, past one checkpoint: the worker's connection has the WAL open by then.
    if (i % 2 === 1) await new Promise((r) => setTimeout(r, WAL_CHECKPOINT_INTERVAL_MS + 300));
    await db.destroy();
    expect([existsSync(`${file}-wal`), existsSync(`${file}-shm`)]).toEqual([false, false]);
    rmSync(d, { recursive: true });
  }
}, 30_000);
