import { createRequire } from 'node:module';
import { Worker } from 'node:worker_threads';

/**
 * WAL checkpoints off the event loop. By default SQLite checkpoints inside the commit that
 * grows the WAL past 1,000 pages: that commit copies ~4 MiB into the database file and
 * fsyncs it, on the thread serving requests. Here the service's connection turns automatic
 * checkpoints off and a worker thread with a connection of its own runs
 * `PRAGMA wal_checkpoint(PASSIVE)` every intervalMs: PASSIVE never waits for or blocks
 * readers and writers (writers keep appending while pages are copied), and once a checkpoint
 * has caught up the next write transaction starts the WAL over from its beginning, so it
 * stays small. Under writes that never pause, a RESTART past WAL_RESTART_PAGES bounds it.
 * Durability is unchanged: a commit is durable in the WAL either way.
 */
export interface WalCheckpointer {
  /** Stops the worker (its connection closes; the service's own close checkpoints the rest). */
  stop(): Promise<void>;
}

/** Default time between checkpoints: about a second of heavy writes, a few MiB of WAL. */
export const WAL_CHECKPOINT_INTERVAL_MS = 1000;

/**
 * WAL pages (4 KiB each: 64 MiB) past which a checkpoint makes the writers wait a moment
 * (RESTART) so the WAL starts over: it stays within about this size plus an interval of
 * writes. Below it writers are never held up.
 */
export const WAL_RESTART_PAGES = 16_384;

const WORKER_SOURCE = `
const { parentPort, workerData } = require('node:worker_threads');
const Database = require(workerData.driver);
// Never creates the file: a service that closed (and a test that removed its directory) before
// this thread started must not find a fresh empty database left behind.
let db;
try {
  db = new Database(workerData.file, { fileMustExist: true });
} catch {
  db = null;
}
if (db === null) parentPort.close();
else {
// Another connection (the service's) may hold the write lock for a moment: wait a little.
db.pragma('busy_timeout = 100');
const timer = setInterval(() => {
  try {
    // PASSIVE copies what is in the WAL without blocking anyone. When it finds the WAL quiet
    // (no commit while it copies) the next writer starts the WAL over; under steady writes that
    // never happens (what it reports as caught up is the WAL as it was when it began), and the
    // file grows without bound (285 MB in one bench run). So past restartPages a RESTART
    // follows: it takes the writer lock to copy the few frames written during the PASSIVE and
    // sync, then starts the WAL over. The service's writer waits that long in SQLite's busy
    // handler, on the event loop: 2-4 ms measured at 2,300 commits/s, once per restartPages
    // of writes.
    const r = db.pragma('wal_checkpoint(PASSIVE)')[0];
    if (r.log >= workerData.restartPages) db.pragma('wal_checkpoint(RESTART)');
  } catch {}
}, workerData.intervalMs);
// A failed checkpoint (a lock held a moment too long) is tried again on the next tick.
parentPort.on('message', (m) => {
  if (m !== 'stop') return;
  clearInterval(timer);
  db.close();
  parentPort.close();
});
}
`;

/**
 * Starts checkpointing `file` from a worker thread. The caller turns wal_autocheckpoint off
 * on its connection, and back on in `onGone` (the worker died: SQLite checkpoints in
 * commits again rather than letting the WAL grow without bound).
 */
export function startWalCheckpointer(
  file: string,
  o: { intervalMs?: number; restartPages?: number; onGone(reason: string): void },
): WalCheckpointer {
  const driver = createRequire(import.meta.url).resolve('better-sqlite3');
  const worker = new Worker(WORKER_SOURCE, {
    eval: true,
    workerData: {
      driver,
      file,
      intervalMs: o.intervalMs ?? WAL_CHECKPOINT_INTERVAL_MS,
      restartPages: o.restartPages ?? WAL_RESTART_PAGES,
    },
  });
  // Never keeps the process alive on its own.
  worker.unref();
  let stopping = false;
  worker.on('error', (err) => o.onGone(err.message));
  const exited = new Promise<void>((resolve) =>
    worker.once('exit', (code) => {
      if (!stopping) o.onGone(`checkpoint worker exited (${code})`);
      resolve();
    }),
  );
  return {
    async stop() {
      stopping = true;
      worker.postMessage('stop');
      const timer = setTimeout(() => void worker.terminate(), 2000);
      await exited;
      clearTimeout(timer);
    },
  };
}
