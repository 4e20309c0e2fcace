/**
 * The machine deletes this process runs for shutdown rows (ServerOps.teardown):
 * - one at a time per row: a reconcile pass and a request's teardown of the same row share the
 *   delete in flight instead of asking the provider twice;
 * - which rows were tried here without the provider confirming the machine gone (a delete
 *   accepted while the machine is still listed, a refusal, an error). The reconciler retries
 *   those at once rather than leaving them to the handoff that keeps it from racing a request's
 *   own teardown (plan.ts, TEARDOWN_HANDOFF_S): here there is nothing left to race.
 */
export class Teardowns {
  private readonly running = new Map<string, Promise<boolean>>();
  private readonly unconfirmed = new Set<string>();

  constructor(private readonly maxRemembered = 10_000) {}

  /**
   * `attempt` answers true (confirmed), false (not: retried here at once) or null (another
   * process holds the row's teardown, or nothing is left to do: not this process's to retry).
   */
  run(serverId: string, attempt: () => Promise<boolean | null>): Promise<boolean> {
    const running = this.running.get(serverId);
    if (running) return running;
    const done = attempt()
      .then((confirmed) => {
        this.unconfirmed.delete(serverId);
        if (confirmed === false) this.remember(serverId);
        return confirmed === true;
      })
      .finally(() => this.running.delete(serverId));
    this.running.set(serverId, done);
    return done;
  }

  /** Rows a teardown here left unconfirmed (its latest attempt). */
  unconfirmedIds(): ReadonlySet<string> {
    return new Set(this.unconfirmed);
  }

  private remember(serverId: string): void {
    this.unconfirmed.add(serverId);
    // Bounded: a row that leaves shutdown another way (lost, deleted by another replica) is
    // never confirmed here; the oldest entries go first.
    for (const id of this.unconfirmed) {
      if (this.unconfirmed.size <= this.maxRemembered) break;
      this.unconfirmed.delete(id);
    }
  }
}
