import BetterSqlite3 from 'better-sqlite3';

export interface ServerView {
  id: string;
  state: string;
  origin: string;
  provider_id: string | null;
  ip: string | null;
}

export interface SessionView {
  id: string;
  code: string;
  state: string;
  server_id: string | null;
  end_reason: string | null;
  created_at: number;
}

/**
 * The orchestrator's SQLite file as another process sees it (read-only, WAL), so the test
 * checks what is durably stored, not what a process believes.
 */
export class StoreView {
  private db: BetterSqlite3.Database | null = null;
  constructor(private readonly file: string) {}

  private open(): BetterSqlite3.Database {
    this.db ??= new BetterSqlite3(this.file, { readonly: true, fileMustExist: true });
    return this.db;
  }

  private all<T>(sql: string, ...params: unknown[]): T[] {
    return this.open()
      .prepare(sql)
      .all(...params) as T[];
  }

  /** Ready servers with nobody on them (what a start can claim now); 0 while the file is not there. */
  readyCount(): number {
    try {
      return this.all<{ n: number }>(`SELECT count(*) AS n FROM servers WHERE state = 'ready' AND players = 0`)[0]!.n;
    } catch {
      return 0;
    }
  }

  /**
   * The outbox against the rows: every session has exactly one `session.started` and, once
   * ended, exactly one `session.ended` event; every server one `server.created` and, once
   * deleted, one `server.deleted`; no event names a row that does not exist (an event of a
   * transaction that rolled back). Returns what does not hold.
   */
  outboxViolations(): string[] {
    const out: string[] = [];
    const once = (label: string, q: string) => {
      for (const r of this.all<{ id: string; n: number }>(q)) out.push(`${label}: ${r.id} has ${r.n}`);
    };
    const count = (table: string, col: string, kind: string, where: string) =>
      `SELECT t.id, (SELECT count(*) FROM events e WHERE e.${col} = t.id AND e.kind = '${kind}') AS n FROM ${table} t WHERE ${where}`;
    once(
      'session.started',
      `SELECT * FROM (${count('sessions', 'session_id', 'session.started', '1=1')}) WHERE n <> 1`,
    );
    once(
      'session.ended (ended)',
      `SELECT * FROM (${count('sessions', 'session_id', 'session.ended', `state = 'ended'`)}) WHERE n <> 1`,
    );
    once(
      'session.ended (live)',
      `SELECT * FROM (${count('sessions', 'session_id', 'session.ended', `state <> 'ended'`)}) WHERE n <> 0`,
    );
    once('server.created', `SELECT * FROM (${count('servers', 'server_id', 'server.created', '1=1')}) WHERE n <> 1`);
    once(
      'server.deleted (deleted)',
      `SELECT * FROM (${count('servers', 'server_id', 'server.deleted', `state = 'deleted'`)}) WHERE n <> 1`,
    );
    once(
      'server.deleted (live)',
      `SELECT * FROM (${count('servers', 'server_id', 'server.deleted', `state <> 'deleted'`)}) WHERE n <> 0`,
    );
    for (const r of this.all<{ id: number; kind: string }>(
      `SELECT id, kind FROM events e WHERE (kind LIKE 'session.%' AND NOT EXISTS (SELECT 1 FROM sessions s WHERE s.id = e.session_id))
        OR (kind LIKE 'server.%' AND NOT EXISTS (SELECT 1 FROM servers v WHERE v.id = e.server_id))`,
    )) {
      out.push(`event ${r.id} (${r.kind}) names a row that does not exist`);
    }
    return out;
  }

  /** How many events of a kind the outbox holds. */
  eventCount(kind: string): number {
    return this.all<{ n: number }>(`SELECT count(*) AS n FROM events WHERE kind = ?`, kind)[0]!.n;
  }

  liveServers(): ServerView[] {
    return this.all<ServerView>(`SELECT id, state, origin, provider_id, ip FROM servers WHERE state <> 'deleted'`);
  }

  server(id: string): ServerView | null {
    return this.all<ServerView>(`SELECT id, state, origin, provider_id, ip FROM servers WHERE id = ?`, id)[0] ?? null;
  }

  /** The session an Idempotency-Key names. */
  sessionByKey(key: string): SessionView | null {
    const sql = `SELECT s.id, s.code, s.state, s.server_id, s.end_reason, s.created_at FROM idempotency_keys k JOIN sessions s ON s.id = k.session_id WHERE k.key = ?`;
    return this.all<SessionView>(sql, key)[0] ?? null;
  }

  close(): void {
    this.db?.close();
    this.db = null;
  }
}
