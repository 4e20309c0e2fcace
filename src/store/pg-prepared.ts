import pg from 'pg';

/*
 * Issue 22 (speed): the hot statements (hot-statement.ts: a warm start, a heartbeat, the
 * events' INSERT, …) run as NAMED prepared statements on PostgreSQL. Kysely hands pg a bare
 * text and values, which pg sends as the unnamed statement: PostgreSQL parsed, analysed,
 * rewrote and planned a warm start's one CTE statement again for every start, 0.55 ms of
 * planning alone (pg_stat_statements, track_planning) beside 1.2 ms of execution. A named
 * statement is parsed once per connection; after five executions PostgreSQL keeps a generic
 * plan when it costs no more than the custom ones, and each later call is Bind + Execute.
 * What runs is the same text with the same parameters, so nothing it guarantees changes.
 *
 * A connection keeps its statements until it closes. A migration run meanwhile by another
 * replica (ALTER TABLE … ADD COLUMN) changes the rows of a `RETURNING *`, and PostgreSQL then
 * refuses every later execution of that statement on that connection ("cached plan must not
 * change result type"): the call fails once, the next one prepares it again under a new name
 * (the old one stays on the connection, unused, until it closes), and a call outside a
 * transaction is retried at once (HotStatement.rows).
 */

/** The SQL texts that run prepared, by text: their statement names. */
const NAMES = new Map<string, string>();

/** Runs `text` as a named prepared statement on PostgreSQL (HotStatement registers its texts). */
export function prepareByName(text: string): void {
  if (!NAMES.has(text)) NAMES.set(text, `hot_${NAMES.size}`);
}

/** PostgreSQL's refusal of a prepared statement whose result columns changed since it was prepared. */
export function isStalePlan(err: unknown): boolean {
  const e = err as { code?: string; message?: string } | null;
  return e?.code === '0A000' && /cached plan must not change result type/.test(e.message ?? '');
}

type Query = (...args: unknown[]) => unknown;

/**
 * pg's Client that sends the registered texts as named statements (unless `prepared` is false:
 * PG_PREPARED_STATEMENTS=false, for a pooler in transaction mode that cannot keep them), with
 * connectionTimeoutMillis when `connectTimeoutMs` is set (0: none).
 */
export function preparingClient(
  connectTimeoutMs: number,
  prepared = true,
): new (config?: pg.ClientConfig) => pg.Client {
  return class PreparingClient extends pg.Client {
    /** Per name, how many times a stale plan made it prepare again (the suffix of its name here). */
    private readonly renamed = new Map<string, number>();

    constructor(config?: pg.ClientConfig) {
      super(connectTimeoutMs ? { ...config, connectionTimeoutMillis: connectTimeoutMs } : config);
      const plain = (pg.Client.prototype.query as unknown as Query).bind(this);
      const query: Query = (...args) => {
        const [text, values] = args;
        const hot = prepared && typeof text === 'string' && args.length === 2 && Array.isArray(values);
        const base = hot ? NAMES.get(text) : undefined;
        if (base === undefined) return plain(...args);
        const n = this.renamed.get(base) ?? 0;
        const result = plain({ name: n ? `${base}_${n}` : base, text, values }) as Promise<unknown>;
        return result.catch((err: unknown) => {
          if (isStalePlan(err)) this.renamed.set(base, n + 1);
          throw err;
        });
      };
      (this as unknown as { query: Query }).query = query;
    }
  };
}

/** The SQL text of a statement name this module gave (tests show what a connection ran). */
export function textOfPrepared(name: string): string | undefined {
  const base = name.replace(/^(hot_\d+)_\d+$/, '$1');
  for (const [text, n] of NAMES) if (n === base) return text;
  return undefined;
}
