import { EventEmitter } from 'node:events';
import { post, ServerSigner, sleep } from './crash-http.js';
import type { Ticket } from './crash-ticket.js';

export interface GameServerSideOptions {
  baseUrl: string;
  hmacKey: string;
  retryEveryMs: number;
  /** Where calls the orchestrator answered unexpectedly are written. */
  anomalies: string[];
}

/**
 * The game servers of the sessions the driver holds: signed heartbeats (1 player) and the
 * signed end, with the shared key. One server's calls never overlap (`ticket.busy`), so no
 * heartbeat lands after its end (which, signed with the shared key, would register the address
 * again as an external server). Emits 'sent' ({op: 'end', key}) when an end is written.
 */
export class GameServerSide extends EventEmitter {
  private readonly signer: ServerSigner;
  private readonly endsInFlight = new Set<string>();
  heartbeatsInFlight = 0;
  retries = 0;
  retriedRequests = 0;

  constructor(private readonly o: GameServerSideOptions) {
    super();
    this.signer = new ServerSigner(o.hmacKey);
  }

  endsNow(): string[] {
    return [...this.endsInFlight];
  }

  /** Queues a heartbeat behind this server's other calls. */
  queueHeartbeat(t: Ticket): void {
    t.busy = t.busy.then(() => this.heartbeat(t));
  }

  /** The end, after any heartbeat in flight; retried until answered. */
  async end(t: Ticket): Promise<void> {
    if (t.endState !== 'none') return;
    t.endState = 'ending';
    await t.busy;
    const ip = t.answers[0]!.ip;
    const url = `/server/end?droplet_ip=${encodeURIComponent(ip)}`;
    for (let attempt = 0; attempt < 400; attempt++) {
      this.endsInFlight.add(t.key);
      let r;
      try {
        const sent = post(`${this.o.baseUrl}${url}`, this.signer.headers(ip, 'POST', url));
        this.emit('sent', { op: 'end', key: t.key });
        r = await sent;
      } catch {
        if (t.endFailures === 0) this.retriedRequests++;
        t.endFailures++;
        this.retries++;
        await sleep(this.o.retryEveryMs);
        continue;
      } finally {
        this.endsInFlight.delete(t.key);
      }
      // A 404 after an attempt died: that attempt had ended it before the kill.
      if (r.status === 200 || (r.status === 404 && t.endFailures > 0)) {
        t.endFoundDone = r.status === 404;
        t.endState = 'ended';
        return;
      }
      this.o.anomalies.push(`end ${t.key} (${ip}): ${r.status} ${r.body}`);
      t.endState = 'ended';
      return;
    }
    this.o.anomalies.push(`end ${t.key}: never answered`);
  }

  private async heartbeat(t: Ticket): Promise<void> {
    if (t.endState !== 'none') return;
    const ip = t.answers[0]!.ip;
    const body = JSON.stringify({ droplet_ip: ip, connected_clients: 1 });
    this.heartbeatsInFlight++;
    try {
      const r = await post(
        `${this.o.baseUrl}/server/heartbeat`,
        { 'content-type': 'application/json', ...this.signer.headers(ip, 'POST', '/server/heartbeat', body) },
        body,
      );
      if (r.status !== 200) this.o.anomalies.push(`heartbeat ${ip}: ${r.status} ${r.body}`);
      else t.heartbeats++;
    } catch {
      // The process died under it; the next one goes to the restarted process.
    } finally {
      this.heartbeatsInFlight--;
    }
  }
}
