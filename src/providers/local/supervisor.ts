/**
 * The supervisor that stands between the orchestrator and each local game server: a program of
 * its own, run as `node supervisor.js <orders JSON>` (see supervisor-entry.ts for how it is found).
 *
 * Why it exists: Node cannot ask the kernel to kill a child when its parent dies
 * (PR_SET_PDEATHSIG), so an orchestrator killed with SIGKILL would leave its game servers
 * running. The supervisor holds the orchestrator's IPC channel; when that channel closes (or
 * the supervisor is re-parented) it kills the game server's process group and exits.
 *
 * The game server gets the supervisor's environment and stdout/stderr and runs in its own
 * process group (so helpers it starts die with it); the supervisor reports over IPC (see
 * supervisor-protocol.ts). SIGTERM to the supervisor = stop: SIGTERM to the group, SIGKILL
 * after graceMs. SIGINT and SIGHUP are ignored: a terminal's Ctrl-C reaches the orchestrator's
 * whole process group, and it is the orchestrator that decides when its servers stop.
 *
 * This file imports only node: modules (and types), so that it runs on its own.
 */
import { spawn } from 'node:child_process';
import { constants } from 'node:os';
import type { SupervisorMessage, SupervisorOrders } from './supervisor-protocol.js';

/** How often the supervisor checks that its parent is still the one that started it. */
const PARENT_CHECK_MS = 500;

const orders = JSON.parse(process.argv[2] ?? '{}') as SupervisorOrders;
const parentPid = process.ppid;
let stopping = false;
let killTimer: NodeJS.Timeout | undefined;

const child = spawn(orders.command, orders.args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });

function report(msg: SupervisorMessage, then?: () => void): void {
  if (process.connected && process.send) process.send(msg, () => then?.());
  else then?.();
}

function killGroup(signal: NodeJS.Signals): void {
  try {
    if (child.pid !== undefined) process.kill(-child.pid, signal);
  } catch {
    // already gone
  }
}

function stop(): void {
  if (stopping) return;
  stopping = true;
  if (child.pid === undefined) process.exit(0);
  killGroup('SIGTERM');
  killTimer = setTimeout(() => killGroup('SIGKILL'), orders.graceMs);
}

child.on('spawn', () => report({ type: 'spawned', pid: child.pid ?? 0 }));
child.on('error', (err: NodeJS.ErrnoException) => {
  if (child.pid !== undefined) return; // a failed kill: the exit event still comes
  report({ type: 'error', message: err.message, ...(err.code ? { code: err.code } : {}) }, () => process.exit(127));
});
child.on('exit', (code, signal) => {
  clearTimeout(killTimer);
  killGroup('SIGKILL'); // anything the game server left behind in its group
  const exitCode = code ?? 128 + (signal ? constants.signals[signal] : 0);
  report({ type: 'exit', code, signal }, () => process.exit(exitCode));
});

process.on('SIGTERM', stop);
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('disconnect', stop);
// Belt and braces: a supervisor whose parent died is re-parented, whatever the channel says.
setInterval(() => {
  if (process.ppid !== parentPid) stop();
}, PARENT_CHECK_MS);
