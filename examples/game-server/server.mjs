#!/usr/bin/env node
// A tiny real game server for the game-orchestrator: a WebSocket chat room.
//
// Players connect with a WebSocket, get an id, and everything a player sends is relayed to
// everyone; joins and leaves are announced. The server tells the orchestrator how many
// players it has (heartbeats) and ends its session once its players have left.
// Copy it as the model for your own server: the signed calls and the stop on SIGTERM come
// from the server SDK (@game-orchestrator/server), the rules from session-reporter.mjs.
import { realpathSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { WebSocketServer } from 'ws';
// In your own game: import { GameServerAgent } from '@game-orchestrator/server';
import { GameServerAgent } from '../../packages/server/server.mjs';
import { SessionReporter } from './session-reporter.mjs';

const MAX_MESSAGE_BYTES = 16 * 1024;
/** How long SIGTERM waits for players' sockets to close before exiting anyway. */
const CLOSE_WAIT_MS = 500;

/** Reads the settings from an environment object; throws a message naming the variable. */
export function loadConfig(env) {
  const host = env.GAME_HOST || '0.0.0.0';
  return {
    orchestratorUrl: env.ORCHESTRATOR_URL || 'http://127.0.0.1:8000',
    ...signingKey(env),
    host,
    port: integer(env, 'GAME_PORT', 7777, 0, 65535),
    publicIp: env.PUBLIC_IP || host,
    heartbeatIntervalMs: integer(env, 'HEARTBEAT_INTERVAL_MS', 5000, 10),
    emptyShutdownMs: integer(env, 'EMPTY_SHUTDOWN_MS', 30000, 0),
    requestTimeoutMs: integer(env, 'REQUEST_TIMEOUT_MS', 10000, 100),
    // `original` (/server/heartbeat, /server/end by address) or `v1` (/v1/servers/{id}/…, needs SERVER_ID).
    api: oneOf(env, 'ORCHESTRATOR_API', 'original', ['original', 'v1']),
    requireSeatToken: seatTokens(env),
  };
}

// REQUIRE_SEAT_TOKEN: a player must show the seat token their join gave (ws://host:port/?seat=TOKEN).
// The server learns its session from /v1 heartbeat answers, so it needs ORCHESTRATOR_API=v1.
function seatTokens(env) {
  const text = env.REQUIRE_SEAT_TOKEN || '';
  if (!['', '0', 'false', '1', 'true'].includes(text))
    throw new Error(`REQUIRE_SEAT_TOKEN=${text}: expected 1, true, 0 or false`);
  const on = text === '1' || text === 'true';
  if (on && env.ORCHESTRATOR_API !== 'v1') throw new Error('REQUIRE_SEAT_TOKEN needs ORCHESTRATOR_API=v1');
  return on;
}

// Started by the orchestrator: its own credential plus its id. Otherwise (a studio's test
// server) the shared secret, and the orchestrator registers it by its address.
function signingKey(env) {
  if (env.SERVER_ID) {
    if (!env.SERVER_CREDENTIAL) throw new Error('SERVER_ID is set but SERVER_CREDENTIAL is empty');
    return { key: env.SERVER_CREDENTIAL, serverId: env.SERVER_ID };
  }
  const key = env.INTERNAL_HMAC_KEY || env.INTERNAL_HMAC_SECRET;
  if (!key) throw new Error('set SERVER_ID and SERVER_CREDENTIAL, or INTERNAL_HMAC_KEY (or INTERNAL_HMAC_SECRET)');
  return { key, serverId: undefined };
}

function oneOf(env, name, dflt, allowed) {
  const text = env[name] || dflt;
  if (!allowed.includes(text)) throw new Error(`${name}=${text}: expected one of ${allowed.join(', ')}`);
  if (text === 'v1' && !env.SERVER_ID) throw new Error(`${name}=v1 needs SERVER_ID and SERVER_CREDENTIAL`);
  return text;
}

function integer(env, name, dflt, min, max = Number.MAX_SAFE_INTEGER) {
  const text = env[name];
  if (text === undefined || text === '') return dflt;
  const n = Number(text);
  if (!Number.isInteger(n) || n < min || n > max)
    throw new Error(`${name}=${text}: expected an integer from ${min} to ${max}`);
  return n;
}

/** One line per event on stdout. Never pass the signing key here. */
export function log(event, fields = {}) {
  const kv = Object.entries(fields).map(
    ([k, v]) => ` ${k}=${typeof v === 'string' && !/\s/.test(v) ? v : JSON.stringify(v)}`,
  );
  process.stdout.write(`${event}${kv.join('')}\n`);
}

/** Starts the game and the reporting; resolves once listening. */
export async function startGameServer(config) {
  const wss = new WebSocketServer({ host: config.host, port: config.port, maxPayload: MAX_MESSAGE_BYTES });
  await new Promise((resolve, reject) => {
    wss.once('listening', resolve);
    wss.once('error', reject);
  });
  const players = new Map(); // socket → player id
  const client = new GameServerAgent({
    url: config.orchestratorUrl,
    key: config.key,
    serverId: config.serverId,
    api: config.api,
    publicIp: config.publicIp,
    timeoutMs: config.requestTimeoutMs,
  });
  const reporter = new SessionReporter({ ...config, client, playerCount: () => players.size, log });
  let lastId = 0;
  const seats = { client, required: config.requireSeatToken, nextId: () => `p${++lastId}` };
  wss.on('connection', (ws, req) => void admit(ws, req, seats, players, () => reporter.playersChanged()));
  const pinger = setInterval(() => pingPlayers(players), config.heartbeatIntervalMs);
  reporter.start();
  const { port } = wss.address();
  log('listening', {
    host: config.host,
    port,
    publicIp: config.publicIp,
    auth: config.serverId ? 'server-credential' : 'shared-secret',
  });

  /** Stops reporting and closes every player's socket (waits at most CLOSE_WAIT_MS). */
  const close = async () => {
    reporter.stop();
    clearInterval(pinger);
    const closed = [...players.keys()].map((ws) => new Promise((resolve) => ws.once('close', resolve)));
    for (const ws of players.keys()) ws.close(1001, 'server shutting down');
    wss.close();
    await Promise.race([Promise.all(closed), new Promise((resolve) => setTimeout(resolve, CLOSE_WAIT_MS))]);
  };
  return { port, close, agent: client };
}

/**
 * A player's seat token (`?seat=` on the WebSocket URL), checked offline by the SDK: a bad one
 * is refused (close 4001 with the reason); none at all is let in only without
 * REQUIRE_SEAT_TOKEN. A seated player's arrival and departure are reported, so the
 * orchestrator keeps their seat (and holds it for the reconnect grace when they drop).
 */
async function admit(ws, req, seats, players, playersChanged) {
  const token = new URL(req.url ?? '/', 'ws://game').searchParams.get('seat');
  if (!token && !seats.required) return playGame(ws, seats.nextId(), players, playersChanged, null);
  const check = token ? await seats.client.verifySeat(token) : { ok: false, reason: 'missing' };
  if (!check.ok) {
    log('seat refused', { reason: check.reason });
    return ws.close(4001, `seat token refused: ${check.reason}`);
  }
  const report = (change) =>
    seats.client
      .reportPlayers(change)
      .then(({ status }) => status === 200 || log('player report refused', { status }))
      .catch((err) => log('player report failed', { error: err.message }));
  void report({ connected: [check.player] });
  playGame(ws, check.player, players, playersChanged, () => void report({ left: [check.player] }));
}

/** The whole game: welcome, announce, relay every text message to everyone, announce leaving. */
function playGame(ws, id, players, playersChanged, onLeave) {
  const broadcast = (msg) => {
    const text = JSON.stringify(msg);
    for (const other of players.keys()) other.send(text);
  };
  ws.isAlive = true;
  ws.on('pong', () => (ws.isAlive = true));
  ws.send(JSON.stringify({ type: 'welcome', id, players: [...players.values()] }));
  broadcast({ type: 'join', id });
  players.set(ws, id);
  log('player joined', { id, players: players.size });
  playersChanged();
  ws.on('message', (data, isBinary) => {
    if (!isBinary) broadcast({ type: 'message', from: id, text: data.toString() });
  });
  ws.on('error', (err) => log('player socket error', { id, error: err.message }));
  ws.on('close', () => {
    players.delete(ws);
    broadcast({ type: 'leave', id });
    log('player left', { id, players: players.size });
    onLeave?.();
    playersChanged();
  });
}

// A player whose network vanished never closes its socket: drop it once it misses a ping.
function pingPlayers(players) {
  for (const ws of players.keys()) {
    if (!ws.isAlive) ws.terminate();
    ws.isAlive = false;
    ws.ping();
  }
}

async function main(env) {
  let config;
  try {
    config = loadConfig(env);
  } catch (err) {
    log('bad configuration', { error: err.message });
    process.exit(2);
  }
  const server = await startGameServer(config).catch((err) => {
    log('cannot listen', { host: config.host, port: config.port, error: err.code ?? err.message });
    process.exit(1);
  });
  // The SDK: close the game and exit 0 on the first signal; a second one exits at once.
  server.agent.stopOnSignals({
    signals: ['SIGTERM', 'SIGINT'],
    onStop: (signal) => {
      log('stopping', { signal });
      return server.close();
    },
  });
}

// Run when started as a program (not when imported).
if (process.argv[1] && realpathSync(process.argv[1]) === fileURLToPath(import.meta.url)) {
  await main(process.env);
}
