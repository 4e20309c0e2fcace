/** One `DELETE /v2/droplets/{id}` as the emulator handled it. */
export interface DeleteSeen {
  /** The droplet id asked for (null: not a droplet id). */
  dropletId: number | null;
  /** 204: this request deleted the droplet; 404: it was gone already (or never was). */
  status: 204 | 404;
  /** Emulator clock time the delete took effect (or was refused). */
  atMs: number;
}

/** Droplet deletes so far: started, still unanswered, and each one's outcome. */
export interface DeleteStats {
  started: number;
  /** Received and not answered yet (held by the deleteHoldMs fault, or being handled). */
  inFlight: number;
  log: DeleteSeen[];
}

/**
 * What a test watches of droplet deletes: how many the emulator has received and not yet
 * answered (a caller that dies in that window never learns the outcome), and what each one
 * did, so "every droplet deleted exactly once" is a count of 204s per droplet.
 */
export class DeleteWatch {
  private started = 0;
  private open = 0;
  private seen: DeleteSeen[] = [];

  /** A delete request reached its handler. */
  begin(): void {
    this.started++;
    this.open++;
  }

  /** What it did to the droplet (known before its answer, which may be held). */
  applied(seen: DeleteSeen): void {
    this.seen.push(seen);
  }

  /** Its handler is done (answered, or the answer went to a caller that is gone). */
  end(): void {
    this.open--;
  }

  stats(): DeleteStats {
    return { started: this.started, inFlight: this.open, log: this.seen.map((s) => ({ ...s })) };
  }

  clear(): void {
    this.started = 0;
    this.open = 0;
    this.seen = [];
  }
}
