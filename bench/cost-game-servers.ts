import type { RunningEmulator } from '../src/emulator/index.js';
import { serverIdFromName } from '../src/providers/provider.js';
import type { ServerReports } from '../src/sessions/server-reports.js';
import type { Clock } from '../src/util/clock.js';
import type { PlannedSession } from './cost-workload.js';

interface Game {
  startedAtMs: number;
  ip: string;
  players: number;
  lengthS: number;
  endAtMs: number;
  region: string;
}

/**
 * The game servers of the cost simulation: every booted droplet heartbeats with its own
 * credential (as the server on a real droplet does once it has booted: the first heartbeat
 * makes it ready), reporting its players while a game runs, and ends its session when the
 * game is over. Calls the session service directly, as the signed routes would.
 */
export class CostGameServers {
  private readonly games = new Map<string, Game>();
  private readonly nextHeartbeatMs = new Map<string, number>();
  /** Session-seconds actually played (from the start's answer to the game's end). */
  playedS = 0;
  ends = 0;
  /** Each finished game's [answered, ended] times, epoch ms. */
  readonly played: [number, number][] = [];
  /** The same with the region of the game's server (the per-region summary reads it). */
  readonly playedIn: { region: string; fromMs: number; toMs: number }[] = [];
  /** Ends the orchestrator refused (it should know every server it handed out). */
  endErrors: string[] = [];

  constructor(
    private readonly reports: ServerReports,
    private readonly emu: RunningEmulator,
    private readonly clock: Clock,
    private readonly heartbeatEveryS = 10,
  ) {}

  /** A client got this server: its game runs for the planned length from now. */
  play(serverId: string, ip: string, planned: PlannedSession, region = ''): void {
    this.games.set(serverId, {
      startedAtMs: this.clock.now(),
      ip,
      players: planned.players,
      lengthS: planned.lengthS,
      endAtMs: this.clock.now() + planned.lengthS * 1000,
      region,
    });
  }

  running(): number {
    return this.games.size;
  }

  /** One emulated second: games that are over end, then the servers due a heartbeat send it. */
  async step(): Promise<void> {
    const now = this.clock.now();
    for (const [serverId, g] of [...this.games]) {
      if (now < g.endAtMs) continue;
      this.games.delete(serverId);
      this.playedS += g.lengthS;
      this.played.push([g.startedAtMs, now]);
      this.playedIn.push({ region: g.region, fromMs: g.startedAtMs, toMs: now });
      this.ends++;
      await this.reports
        .end({ id: serverId }, g.ip)
        .catch((err: Error) => this.endErrors.push(`${serverId}: ${err.message}`));
    }
    for (const d of this.emu.droplets()) {
      if (d.deletedAtMs !== null || d.status !== 'active' || !d.publicIpv4) continue;
      const serverId = serverIdFromName('gs', d.name);
      if (!serverId || (this.nextHeartbeatMs.get(serverId) ?? 0) > now) continue;
      this.nextHeartbeatMs.set(serverId, now + this.heartbeatEveryS * 1000);
      const players = this.games.get(serverId)?.players ?? 0;
      // A server the orchestrator has let go (its credential revoked) is refused: that is fine.
      await this.reports.heartbeat({ server: { id: serverId }, address: d.publicIpv4, players }).catch(() => undefined);
    }
  }
}
