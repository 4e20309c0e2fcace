import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { isAlive, killQuietly, parentOf, waitFor } from './process-helpers.js';

// "No child may outlive the orchestrator", tested with a real orchestrator-like parent
// process that is killed in the ways a real one dies.
const node = JSON.stringify(process.execPath);
const path = (rel: string) => fileURLToPath(new URL(rel, import.meta.url));
const SAMPLE_SERVER = `${node} ${JSON.stringify(path('../../../examples/game-server/server.mjs'))}`;
const STUBBORN = `${node} ${JSON.stringify(path('./fixtures/stubborn.mjs'))}`;
const REPO = path('../../../');

let leftovers: number[] = [];
afterEach(() => {
  leftovers.forEach(killQuietly);
  leftovers = [];
});

interface Parent {
  proc: ChildProcess;
  /** pids of the game servers and of their supervisors. */
  pids: number[];
}

/** Starts the parent with one sample server and one SIGTERM-ignoring server; resolves when both run. */
async function startParent(detached: boolean): Promise<Parent> {
  const proc = spawn(
    process.execPath,
    ['--import', 'tsx', path('./fixtures/parent.ts'), '300', SAMPLE_SERVER, STUBBORN],
    {
      cwd: REPO,
      stdio: ['pipe', 'pipe', 'inherit'],
      detached,
    },
  );
  leftovers.push(proc.pid!);
  const gamePids: number[] = [];
  const lines = createInterface({ input: proc.stdout });
  await new Promise<void>((resolve, reject) => {
    lines.on('line', (line) => {
      const entry = JSON.parse(line) as { msg: string; gamePid?: number };
      if (entry.msg === 'game server started') gamePids.push(entry.gamePid!);
      if (entry.msg === 'all started') resolve();
    });
    proc.once('exit', (code) => reject(new Error(`parent exited early (${code})`)));
  });
  const pids = [...gamePids, ...gamePids.map(parentOf)];
  leftovers.push(...pids);
  expect(gamePids).toHaveLength(2);
  expect(pids.every(isAlive)).toBe(true);
  return { proc, pids };
}

async function expectAllGone(pids: number[]): Promise<number> {
  const t0 = Date.now();
  await waitFor(() => pids.every((pid) => !isAlive(pid)), 'every game server and supervisor to die', 30_000);
  return Date.now() - t0;
}

describe('LocalProvider when its process dies', () => {
  it('SIGKILL of the parent leaves no game server behind', async () => {
    const parent = await startParent(false);
    parent.proc.kill('SIGKILL');
    // Waited for, not timed (the stubborn one waits out its 300 ms grace); the figure is logged.
    const ms = await expectAllGone(parent.pids);
    console.log(`[parent-death] every game server gone ${ms} ms after the parent's SIGKILL`);
  });

  it('SIGKILL of the parent’s whole process group leaves no game server behind', async () => {
    const parent = await startParent(true);
    process.kill(-parent.proc.pid!, 'SIGKILL');
    await expectAllGone(parent.pids);
  });

  it('an exit without close() leaves no game server behind', async () => {
    const parent = await startParent(false);
    parent.proc.stdin!.write('exit\n');
    await expectAllGone(parent.pids);
  });
});
