import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';
import { fileURLToPath } from 'node:url';
import WebSocket from 'ws';
import { waitFor } from '../providers/local/process-helpers.js';

const SERVER = fileURLToPath(new URL('../../examples/game-server/server.mjs', import.meta.url));

export interface RunningGameServer {
  proc: ChildProcess;
  /** Everything it printed, one entry per line (stdout and stderr). */
  lines: string[];
  port: number;
  url: string;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
}

/** Spawns examples/game-server/server.mjs on 127.0.0.1 and a free port; resolves once listening. */
export async function runGameServer(
  env: Record<string, string>,
  running: RunningGameServer[],
): Promise<RunningGameServer> {
  const proc = spawn(process.execPath, [SERVER], {
    env: { PATH: process.env.PATH ?? '', GAME_HOST: '127.0.0.1', GAME_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  for (const stream of [proc.stdout, proc.stderr]) createInterface({ input: stream }).on('line', (l) => lines.push(l));
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((resolve) =>
    proc.once('exit', (code, signal) => resolve({ code, signal })),
  );
  const server = { proc, lines, port: 0, url: '', exit };
  running.push(server);
  let exited = false;
  void exit.then(() => (exited = true));
  const listening = await waitFor(() => {
    if (exited) throw new Error(`game server exited before listening: ${lines.join(' | ')}`);
    return lines.find((l) => l.startsWith('listening '));
  }, 'the game server to listen');
  server.port = Number(/ port=(\d+)/.exec(listening)?.[1]);
  server.url = `ws://127.0.0.1:${server.port}`;
  return server;
}

/** A WebSocket player that keeps every message it receives. */
export class Player {
  readonly messages: { type: string; [k: string]: unknown }[] = [];
  closeCode: number | null = null;
  private constructor(readonly ws: WebSocket) {
    ws.on('message', (data) => this.messages.push(JSON.parse(data.toString())));
    ws.on('close', (code) => (this.closeCode = code));
  }

  /** Connects and resolves once welcomed; `id` is the id the server gave. */
  static async join(url: string): Promise<Player> {
    const player = new Player(new WebSocket(url));
    await waitFor(() => player.messages.some((m) => m.type === 'welcome'), 'a welcome');
    return player;
  }

  get id(): string {
    return this.messages.find((m) => m.type === 'welcome')?.id as string;
  }

  async leave(): Promise<void> {
    this.ws.close();
    await waitFor(() => this.closeCode !== null, 'the socket to close');
  }
}
