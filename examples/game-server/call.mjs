#!/usr/bin/env node
// Signed calls from the command line, as a game server makes them: for rehearsals against the
// emulator (whose droplets run no game), scripts, and ending a stuck session by hand.
//
//   INTERNAL_HMAC_KEY=… node examples/game-server/call.mjs heartbeat <droplet_ip> <players>
//   INTERNAL_HMAC_KEY=… node examples/game-server/call.mjs end <droplet_ip>
//
// ORCHESTRATOR_URL defaults to http://127.0.0.1:8000. Prints the HTTP status; exits 0 on 200.
// In your own scripts: import { GameServerAgent } from 'game-orchestrator/server';
import { GameServerAgent } from '../../src/sdk/server.mjs';

const [command, ip, players] = process.argv.slice(2);
const key = process.env.INTERNAL_HMAC_KEY || process.env.INTERNAL_HMAC_SECRET;
if (!key || !ip || !['heartbeat', 'end'].includes(command ?? '') || (command === 'heartbeat' && !/^\d+$/.test(players ?? ''))) {
  console.error('usage: INTERNAL_HMAC_KEY=… call.mjs heartbeat <droplet_ip> <players> | end <droplet_ip>');
  process.exit(2);
}
const url = process.env.ORCHESTRATOR_URL || 'http://127.0.0.1:8000';
const client = new GameServerAgent({ url, key, api: 'original', publicIp: ip, timeoutMs: 10_000 });
const { status } = command === 'heartbeat' ? await client.heartbeat(Number(players)) : await client.end();
console.log(status);
process.exit(status === 200 ? 0 : 1);
