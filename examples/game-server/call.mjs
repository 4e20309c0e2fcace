#!/usr/bin/env node
// Signed calls from the command line, as a game server makes them: for rehearsals against the
// emulator (whose droplets run no game), scripts, and ending a stuck session by hand.
//
//   INTERNAL_HMAC_KEY=… node examples/game-server/call.mjs heartbeat <droplet_ip> <players>
//   INTERNAL_HMAC_KEY=… node examples/game-server/call.mjs end <droplet_ip>
//
// ORCHESTRATOR_URL defaults to http://127.0.0.1:8000. Prints the HTTP status; exits 0 on 200,
// 1 on another status, 2 on bad usage, 3 when the orchestrator cannot be reached.
// In your own scripts: import { GameServerAgent } from '@game-orchestrator/server';
import { GameServerAgent } from '../../packages/server/server.mjs';

const DEFAULT_URL = 'http://127.0.0.1:8000';
const TIMEOUT_MS = 10_000;

const [command, ip, players] = process.argv.slice(2);
const key = process.env.INTERNAL_HMAC_KEY || process.env.INTERNAL_HMAC_SECRET;
if (
  !key ||
  !ip ||
  !['heartbeat', 'end'].includes(command ?? '') ||
  (command === 'heartbeat' && !/^\d+$/.test(players ?? ''))
) {
  console.error('usage: INTERNAL_HMAC_KEY=… call.mjs heartbeat <droplet_ip> <players> | end <droplet_ip>');
  process.exit(2);
}
const baseUrl = process.env.ORCHESTRATOR_URL || DEFAULT_URL;
const urlSource = process.env.ORCHESTRATOR_URL
  ? 'set by ORCHESTRATOR_URL'
  : `the default; set ORCHESTRATOR_URL to change it`;
const route = command === 'heartbeat' ? '/server/heartbeat' : '/server/end';

let client;
try {
  client = new GameServerAgent({ url: baseUrl, key, api: 'original', publicIp: ip, timeoutMs: TIMEOUT_MS });
} catch {
  fail(`ORCHESTRATOR_URL=${JSON.stringify(baseUrl)} is not a URL; expected e.g. ${DEFAULT_URL}`);
}
try {
  const { status } =
    command === 'heartbeat' ? await client.heartbeat(Number(players)) : await client.end({ attempts: 1 });
  console.log(status);
  process.exit(status === 200 ? 0 : 1);
} catch (err) {
  fail(`could not reach the orchestrator at ${baseUrl.replace(/\/+$/, '')}${route} (${urlSource}): ${why(err)}`);
}

/** One line on stderr, no stack trace, exit 3. */
function fail(message) {
  console.error(`call.mjs: ${message}`);
  process.exit(3);
}

/** What went wrong, from fetch's error and its cause (where Node puts the socket's error code). */
function why(err) {
  if (err?.name === 'TimeoutError' || err?.name === 'AbortError') return `no answer within ${TIMEOUT_MS / 1000} s`;
  const cause = err?.cause ?? err;
  const code = cause?.code ?? '';
  const hints = {
    ECONNREFUSED: 'nothing is listening there; is the orchestrator running?',
    ENOTFOUND: 'no such host',
    EAI_AGAIN: 'the host name could not be resolved right now',
    ECONNRESET: 'the connection was reset',
    ETIMEDOUT: 'the connection timed out',
    EHOSTUNREACH: 'the host is unreachable',
    UND_ERR_SOCKET: 'the connection closed before an answer',
  };
  const detail = cause?.message || String(cause);
  return hints[code] ? `${detail} (${hints[code]})` : detail;
}
