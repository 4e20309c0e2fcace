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
    return this.open().prepare(sql).all(...params) as T[];
  }

  /** Ready servers with nobody on them (what a start can claim now); 0 while the file is not there. */
  readyCount(): number {
    try {
      return this.all<{ n: number }>(`SELECT count(*) AS n FROM servers WHERE state = 'ready' AND players = 0`)[0]!.n;
    } catch {
      return 0;
    }
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
