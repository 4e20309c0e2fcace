/**
 * The supervisor that stands between the orchestrator and each local game server, as plain
 * CommonJS source run with `node -e SUPERVISOR_SOURCE <json>`.
 *
 * Why it exists: Node cannot ask the kernel to kill a child when its parent dies
 * (PR_SET_PDEATHSIG), so an orchestrator killed with SIGKILL would leave its game servers
 * running. The supervisor holds the orchestrator's IPC channel; when that channel closes (or
 * the supervisor is re-parented) it kills the game server's process group and exits.
 *
 * Protocol: argv[1] is JSON `{ command, args, graceMs }`. The game server gets the
 * supervisor's environment and stdout/stderr, runs in its own process group (so helpers it
 * starts die with it), and the supervisor reports over IPC:
 *   { type: 'spawned', pid }   the game server started
 *   { type: 'error', message } it could not start (the supervisor then exits 127)
 *   { type: 'exit', code, signal } it exited (the supervisor then exits too)
 * SIGTERM to the supervisor = stop: SIGTERM to the group, SIGKILL after graceMs.
 * SIGINT and SIGHUP are ignored: a terminal's Ctrl-C reaches the orchestrator's whole
 * process group, and it is the orchestrator that decides when its servers stop.
 */
export const SUPERVISOR_SOURCE = String.raw`/* game-orchestrator supervisor */
'use strict';
const { spawn } = require('node:child_process');
const { signals } = require('node:os').constants;
const cfg = JSON.parse(process.argv[1]);
const parentPid = process.ppid;
let stopping = false;
let killTimer = null;

const child = spawn(cfg.command, cfg.args, { stdio: ['ignore', 'inherit', 'inherit'], detached: true });

function report(msg, then) {
  if (process.connected) process.send(msg, () => then && then());
  else if (then) then();
}
function killGroup(sig) {
  try { process.kill(-child.pid, sig); } catch (e) { /* already gone */ }
}
function stop() {
  if (stopping) return;
  stopping = true;
  if (child.pid === undefined) process.exit(0);
  killGroup('SIGTERM');
  killTimer = setTimeout(() => killGroup('SIGKILL'), cfg.graceMs);
}

child.on('spawn', () => report({ type: 'spawned', pid: child.pid }));
child.on('error', (err) => {
  if (child.pid !== undefined) return; // a failed kill: the exit event still comes
  report({ type: 'error', message: err.message, code: err.code }, () => process.exit(127));
});
child.on('exit', (code, signal) => {
  clearTimeout(killTimer);
  killGroup('SIGKILL'); // anything the game server left behind in its group
  const exitCode = code !== null ? code : 128 + (signals[signal] || 0);
  report({ type: 'exit', code, signal }, () => process.exit(exitCode));
});

process.on('SIGTERM', stop);
process.on('SIGINT', () => {});
process.on('SIGHUP', () => {});
process.on('disconnect', stop);
// Belt and braces: a supervisor whose parent died is re-parented, whatever the channel says.
setInterval(() => { if (process.ppid !== parentPid) stop(); }, 500);
`;
