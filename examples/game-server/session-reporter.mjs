// Keeps the orchestrator informed: heartbeats (player count) and the end of a session.
//
// Requests go out one at a time through a small pump, so they never overlap and a burst of
// player changes collapses into one heartbeat carrying the latest count.

export class SessionReporter {
  #client;
  #intervalMs;
  #emptyShutdownMs;
  #playerCount;
  #log;
  #ticker = null;
  #emptyTimer = null;
  /** 'serving', 'ending' (end requested, not yet confirmed) or 'ended'. */
  #phase = 'serving';
  /** A fresh server that never had a player must not end itself: the orchestrator owns it. */
  #hadPlayers = false;
  #wantHeartbeat = false;
  #wantEnd = false;
  #pumping = false;
  #stopped = false;
  #lastOkCount = -1;

  /**
   * @param {object} opts
   * @param {import('../../packages/server/server.mjs').GameServerAgent} opts.client  the SDK's signed calls
   * @param {number} opts.heartbeatIntervalMs
   * @param {number} opts.emptyShutdownMs   how long an emptied server waits before ending
   * @param {() => number} opts.playerCount
   * @param {(event: string, fields?: object) => void} opts.log
   */
  constructor({ client, heartbeatIntervalMs, emptyShutdownMs, playerCount, log }) {
    this.#client = client;
    this.#intervalMs = heartbeatIntervalMs;
    this.#emptyShutdownMs = emptyShutdownMs;
    this.#playerCount = playerCount;
    this.#log = log;
  }

  /** Sends the first heartbeat now, then one every interval. */
  start() {
    this.#ticker = setInterval(() => this.#tick(), this.#intervalMs);
    this.#tick();
  }

  /** Call whenever a player joins or leaves: the orchestrator hears of it at once. */
  playersChanged() {
    if (this.#stopped) return;
    const count = this.#playerCount();
    if (count > 0) {
      this.#hadPlayers = true;
      this.#clearEmptyTimer();
      if (this.#phase === 'ending') {
        this.#phase = 'serving';
        this.#wantEnd = false;
        this.#log('end cancelled', { reason: 'a player joined' });
      }
    } else if (this.#hadPlayers && this.#phase === 'serving' && !this.#emptyTimer) {
      this.#emptyTimer = setTimeout(() => this.#emptyForTooLong(), this.#emptyShutdownMs);
    }
    this.#wantHeartbeat = true;
    void this.#pump();
  }

  stop() {
    this.#stopped = true;
    clearInterval(this.#ticker);
    this.#clearEmptyTimer();
  }

  #tick() {
    if (this.#phase === 'ending') this.#wantEnd = true; // a failed end is retried each tick
    this.#wantHeartbeat = true;
    void this.#pump();
  }

  #emptyForTooLong() {
    this.#emptyTimer = null;
    if (this.#playerCount() > 0 || this.#phase !== 'serving') return;
    this.#log('empty, ending session', { emptyMs: this.#emptyShutdownMs });
    this.#phase = 'ending';
    this.#wantEnd = true;
    void this.#pump();
  }

  #clearEmptyTimer() {
    clearTimeout(this.#emptyTimer);
    this.#emptyTimer = null;
  }

  async #pump() {
    if (this.#pumping) return;
    this.#pumping = true;
    try {
      while (!this.#stopped && (this.#wantEnd || this.#wantHeartbeat)) {
        if (this.#wantEnd) {
          this.#wantEnd = false;
          // A tick may have asked again while the end was in flight: only while still ending.
          if (this.#phase === 'ending') await this.#sendEnd();
        } else {
          this.#wantHeartbeat = false;
          await this.#sendHeartbeat();
        }
      }
    } finally {
      this.#pumping = false;
    }
  }

  async #sendHeartbeat() {
    const count = this.#playerCount();
    try {
      const { status } = await this.#client.heartbeat(count);
      if (status < 200 || status > 299) {
        this.#lastOkCount = -1;
        return this.#log('heartbeat refused', { status, players: count });
      }
      // Quiet while nothing changes: one line per change, not one per interval.
      if (count !== this.#lastOkCount) this.#log('heartbeat ok', { players: count });
      this.#lastOkCount = count;
      if (this.#phase === 'ended') this.#recycled(count);
    } catch (err) {
      this.#lastOkCount = -1;
      this.#log('heartbeat failed', { error: describe(err), players: count });
    }
  }

  async #sendEnd() {
    try {
      // One try per call: this reporter retries on its own schedule and logs each refusal.
      const { status } = await this.#client.end({ attempts: 1 });
      if ((status >= 200 && status <= 299) || status === 404) {
        this.#phase = 'ended';
        this.#clearEmptyTimer();
        return this.#log('session ended', { status });
      }
      this.#log('end refused, will retry', { status });
    } catch (err) {
      this.#log('end failed, will retry', { error: describe(err) });
    }
  }

  // Still heartbeating after the end: the orchestrator kept this server for another
  // session instead of deleting it, so start over as a fresh server.
  #recycled(count) {
    this.#phase = 'serving';
    this.#hadPlayers = count > 0;
    this.#log('serving again', { players: count });
  }
}

function describe(err) {
  if (err?.name === 'TimeoutError') return 'timeout';
  return err?.cause?.code ?? err?.cause?.message ?? err?.message ?? String(err);
}
