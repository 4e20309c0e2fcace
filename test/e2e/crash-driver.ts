import { EventEmitter } from 'node:events';
import { GameServerSide } from './crash-game-server.js';
import { post, sleep } from './crash-http.js';
import { newTicket, type Ticket } from './crash-ticket.js';

export type { StartAnswer, Ticket } from './crash-ticket.js';

export interface CrashDriverOptions {
  baseUrl: string;
  hmacKey: string;
  random: () => number;
  /** Sessions kept to the end at most. */
  keepMax: number;
  keepRate: number;
  /** Share of answered starts re-sent with the same key. */
  resendRate: number;
  /** A session is ended this long after its start was answered (uniform in [min, max]). */
  endAfterMs: [number, number];
  heartbeatEveryMs: number;
  retryEveryMs: number;
}

/**
 * Plays the game clients and the game servers against the orchestrator while it is being
 * killed: starts with unique Idempotency-Keys (retried with the same key when the process died,
 * sometimes re-sent after an answer), heartbeats every session it holds, ends most of them with
 * the shared key. Emits 'sent' ({op, key}) the moment a start or an end is written, so kills
 * can be timed against them. Never throws: what it did not expect goes to `anomalies`.
 */
export class CrashDriver extends EventEmitter {
  readonly tickets = new Map<string, Ticket>();
  readonly anomalies: string[] = [];
  private readonly servers: GameServerSide;
  private readonly lifecycles = new Set<Promise<void>>();
  private readonly startsInFlight = new Set<string>();
  private startRetries = 0;
  private retriedStarts = 0;
  private stopped = false;
  private loops: Promise<void>[] = [];

  constructor(private readonly o: CrashDriverOptions) {
    super();
    this.servers = new GameServerSide({
      baseUrl: o.baseUrl,
      hmacKey: o.hmacKey,
      retryEveryMs: o.retryEveryMs,
      anomalies: this.anomalies,
    });
    this.servers.on('sent', (e) => this.emit('sent', e));
  }

  /** Attempts that died with the process and were sent again. */
  get retries(): number {
    return this.startRetries + this.servers.retries;
  }

  /** Requests (starts and ends) that needed at least one retry. */
  get retriedRequests(): number {
    return this.retriedStarts + this.servers.retriedRequests;
  }

  /** Starts `players` clients that play one session after another, and the heartbeat loop. */
  run(players: number): void {
    for (let i = 0; i < players; i++) this.loops.push(this.player());
    this.loops.push(this.heartbeatLoop());
  }

  /** One more session now (its whole lifecycle runs in the background). */
  startSession(): Ticket {
    const t = this.newTicket();
    this.track(this.lifecycle(t));
    return t;
  }

  /** Ends an active session that is not kept, now; null when none is free. */
  endOneNow(): Ticket | null {
    const t = [...this.tickets.values()].find(
      (x) => x.outcome === 'active' && !x.keep && x.endState === 'none' && !x.inStart,
    );
    if (!t) return null;
    this.track(this.servers.end(t));
    return t;
  }

  inFlight(): { starts: string[]; ends: string[]; heartbeats: number } {
    return {
      starts: [...this.startsInFlight],
      ends: this.servers.endsNow(),
      heartbeats: this.servers.heartbeatsInFlight,
    };
  }

  /** Stops starting sessions; every started one is answered and every one not kept is ended. */
  async stop(): Promise<void> {
    this.stopped = true;
    await Promise.all(this.loops);
    while (this.lifecycles.size > 0) await Promise.all([...this.lifecycles]);
    for (const t of this.tickets.values())
      if (t.outcome === 'active' && !t.keep && t.endState === 'none') await this.servers.end(t);
  }

  private track(p: Promise<void>): void {
    this.lifecycles.add(p);
    void p.finally(() => this.lifecycles.delete(p));
  }

  private newTicket(): Ticket {
    const t = newTicket();
    this.tickets.set(t.key, t);
    return t;
  }

  private async player(): Promise<void> {
    while (!this.stopped) {
      await this.lifecycle(this.newTicket());
      await sleep(50 + this.o.random() * 250);
    }
  }

  private async lifecycle(t: Ticket): Promise<void> {
    await this.start(t);
    if (t.outcome !== 'active') return;
    if (this.o.random() < this.o.resendRate) await this.start(t);
    const kept = [...this.tickets.values()].filter((x) => x.keep).length;
    if (kept < this.o.keepMax && this.o.random() < this.o.keepRate) {
      t.keep = true;
      return;
    }
    const [min, max] = this.o.endAfterMs;
    const until = Date.now() + min + this.o.random() * (max - min);
    while (!this.stopped && Date.now() < until && t.endState === 'none') await sleep(50);
    if (t.endState === 'none') await this.servers.end(t);
  }

  /** A start with the ticket's key, retried with the same key until the orchestrator answers. */
  private async start(t: Ticket): Promise<void> {
    t.inStart = true;
    try {
      await this.startAttempts(t);
    } finally {
      t.inStart = false;
    }
  }

  private async startAttempts(t: Ticket): Promise<void> {
    let failed = false;
    for (let attempt = 0; attempt < 400; attempt++) {
      this.startsInFlight.add(t.key);
      let r;
      try {
        const sent = post(`${this.o.baseUrl}/sessions/start`, { 'idempotency-key': t.key });
        this.emit('sent', { op: 'start', key: t.key });
        r = await sent;
      } catch {
        if (!failed) this.retriedStarts++;
        failed = true;
        t.startFailures++;
        this.startRetries++;
        await sleep(this.o.retryEveryMs);
        continue;
      } finally {
        this.startsInFlight.delete(t.key);
      }
      if (r.status === 200) {
        const b = JSON.parse(r.body) as { ip_address: string; share_tag: string; message?: string };
        t.answers.push({ ip: b.ip_address, code: b.share_tag, reused: b.message === 'Reusing existing droplet' });
        t.outcome = 'active';
        return;
      }
      if (r.status === 503 && t.outcome === 'starting') {
        t.outcome = 'refused';
        return;
      }
      if (r.status === 409) continue;
      this.anomalies.push(`start ${t.key}: ${r.status} ${r.body}`);
      return;
    }
    this.anomalies.push(`start ${t.key}: never answered`);
  }

  private async heartbeatLoop(): Promise<void> {
    while (!this.stopped) {
      for (const t of this.tickets.values()) {
        if (t.outcome !== 'active' || t.endState !== 'none') continue;
        this.servers.queueHeartbeat(t);
      }
      await sleep(this.o.heartbeatEveryMs);
    }
  }
}
