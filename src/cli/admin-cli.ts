import { parseArgs } from 'node:util';
import { AdminApi, CliError } from './admin-api.js';
import { keyValues, table } from './table.js';

export const ADMIN_HELP = `Operator commands (against a running orchestrator; ADMIN_TOKEN from the environment):
  sessions ls [--state pending,active,ended] [--server ID] [--limit N] [--all | --cursor C]
  sessions show CODE
  sessions end CODE
  sessions players CODE
  servers ls [--state ready,allocated,...] [--origin local,digitalocean,external] [--limit N]
             [--all | --cursor C]
  servers drain ID
  servers delete ID
  pool show
  pool set [--min-ready N] [--buffer N] [--max-servers N]
  events tail [--after ID] [--limit N] [--follow] [--interval-ms N]
Options: --url URL (default: PUBLIC_URL), --json (machine-readable output). A listing prints
one page; --all follows every page, --cursor C starts at the page a previous one named.
Exit codes: 0 done, 1 refused by the orchestrator (or bad token), 2 usage, 3 orchestrator
unreachable, 4 not found.`;

export interface AdminCliIo {
  url: string;
  token: string | null;
  out: (line: string) => void;
  err: (line: string) => void;
}

type Row = Record<string, unknown>;
interface Page {
  items: Row[];
  next_cursor: string | null;
}

const OPTIONS = {
  url: { type: 'string' },
  json: { type: 'boolean' },
  all: { type: 'boolean' },
  state: { type: 'string' },
  server: { type: 'string' },
  origin: { type: 'string' },
  limit: { type: 'string' },
  cursor: { type: 'string' },
  'min-ready': { type: 'string' },
  buffer: { type: 'string' },
  'max-servers': { type: 'string' },
  after: { type: 'string' },
  follow: { type: 'boolean' },
  'interval-ms': { type: 'string' },
} as const;

/** Runs `game-orchestrator sessions|servers|pool|events …`; returns the exit code. */
export async function runAdminCli(group: string, args: string[], io: AdminCliIo): Promise<number> {
  try {
    const { values, positionals } = parseArgs({ args, options: OPTIONS, allowPositionals: true, strict: true });
    const api = new AdminApi(values.url ?? io.url, io.token);
    const [verb, target, ...extra] = positionals;
    if (extra.length) throw new CliError(`unexpected argument: ${extra[0]}`, 2);
    const print = (json: unknown, text: string) => io.out(values.json ? JSON.stringify(json, null, 2) : text);
    const need = (what: string) => {
      if (!target) throw new CliError(`${group} ${verb}: missing ${what}`, 2);
      return encodeURIComponent(target);
    };
    switch (`${group} ${verb ?? ''}`) {
      case 'sessions ls': {
        const items = await list(api, '/v1/sessions', { state: values.state, server_id: values.server }, values, io);
        return (
          print(
            items,
            table(
              ['CODE', 'STATE', 'ADDRESS', 'PLAYERS', 'MAX', 'CREATED', 'ENDED', 'REASON'],
              items.map(
                (s) =>
                  [
                    s.code,
                    s.state,
                    s.address,
                    s.players,
                    s.max_players,
                    s.created_at,
                    s.ended_at,
                    s.end_reason,
                  ] as string[],
              ),
            ),
          ),
          0
        );
      }
      case 'sessions show': {
        const s = (await api.call('GET', `/v1/sessions/${need('CODE')}`)) as Row;
        return (print(s, keyValues(s)), 0);
      }
      case 'sessions end': {
        const s = (await api.call('DELETE', `/v1/sessions/${need('CODE')}`)) as Row;
        return (print(s, `ended ${String(s.code)} (${String(s.end_reason)})`), 0);
      }
      case 'sessions players': {
        const r = (await api.call('GET', `/v1/sessions/${need('CODE')}/players`)) as { seats: Row[] };
        const rows = r.seats.map((x) => [x.player_id, x.state, x.reserved_at, x.taken_at, x.left_at, x.frees_at]);
        return (print(r, table(['PLAYER', 'SEAT', 'RESERVED', 'TAKEN', 'LEFT', 'FREED AT'], rows as string[][])), 0);
      }
      case 'servers ls': {
        const items = await list(api, '/v1/servers', { state: values.state, origin: values.origin }, values, io);
        return (
          print(
            items,
            table(
              ['ID', 'STATE', 'ORIGIN', 'ADDRESS', 'PORT', 'PLAYERS', 'LAST HEARTBEAT', 'REASON'],
              items.map(
                (s) =>
                  [
                    s.id,
                    s.state,
                    s.origin,
                    s.address,
                    s.game_port,
                    s.players,
                    s.last_heartbeat_at,
                    s.reason,
                  ] as string[],
              ),
            ),
          ),
          0
        );
      }
      case 'servers drain':
      case 'servers delete': {
        const id = need('ID');
        const s = (await api.call(
          verb === 'drain' ? 'POST' : 'DELETE',
          verb === 'drain' ? `/v1/servers/${id}/drain` : `/v1/servers/${id}`,
        )) as Row;
        return (print(s, `${String(s.id)}: ${String(s.state)}`), 0);
      }
      case 'pool show': {
        const p = (await api.call('GET', '/v1/pool')) as Row;
        return (print(p, keyValues(p)), 0);
      }
      case 'pool set': {
        const change = {
          min_ready: int(values['min-ready'], '--min-ready'),
          buffer: int(values.buffer, '--buffer'),
          max_servers: int(values['max-servers'], '--max-servers'),
        };
        if (Object.values(change).every((v) => v === undefined))
          throw new CliError('pool set: give --min-ready, --buffer or --max-servers', 2);
        const p = (await api.call('PATCH', '/v1/pool', change)) as Row;
        return (print(p, keyValues(p)), 0);
      }
      case 'events tail': {
        if (target) throw new CliError(`unexpected argument: ${target}`, 2);
        return await tailEvents(api, values, io, (e) => print(e, eventLine(e)));
      }
      default:
        throw new CliError(`unknown command: ${group} ${verb ?? ''}`.trim(), 2);
    }
  } catch (err) {
    if (err instanceof CliError) {
      io.err(err.exitCode === 2 ? `${err.message}\n\n${ADMIN_HELP}` : err.message);
      return err.exitCode;
    }
    if ((err as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')) {
      io.err(`${(err as Error).message}\n\n${ADMIN_HELP}`);
      return 2;
    }
    throw err;
  }
}

function int(text: string | undefined, name: string): number | undefined {
  if (text === undefined) return undefined;
  if (!/^\d+$/.test(text)) throw new CliError(`${name}: expected a whole number, got ${text}`, 2);
  return Number(text);
}

/** One page, or every page with --all (following next_cursor). */
async function list(
  api: AdminApi,
  path: string,
  filters: Record<string, string | undefined>,
  v: { limit?: string; all?: boolean; cursor?: string },
  io: AdminCliIo,
): Promise<Row[]> {
  const q = new URLSearchParams();
  for (const [k, val] of Object.entries(filters)) if (val) q.set(k, val);
  if (v.limit) q.set('limit', String(int(v.limit, '--limit')));
  let cursor = v.cursor ?? null;
  const items: Row[] = [];
  for (let pages = 0; pages < 10_000; pages++) {
    if (cursor) q.set('cursor', cursor);
    const page = (await api.call('GET', `${path}?${q.toString()}`)) as Page;
    items.push(...page.items);
    cursor = page.next_cursor;
    if (!cursor || !v.all) break;
  }
  if (cursor && !v.all) io.err(`more results: --all, or --cursor ${cursor}`);
  return items;
}

interface EventPage {
  events: Row[];
  next: number;
}

/** One event per line for people: id, time, kind, ids and the payload. */
function eventLine(e: Row): string {
  const ids = [
    e.serverId ? `server=${String(e.serverId)}` : '',
    e.sessionId ? `session=${String(e.sessionId)}` : '',
  ].filter(Boolean);
  const data = Object.entries((e.data as Record<string, unknown>) ?? {}).map(
    ([k, v]) => `${k}=${v === null ? '-' : String(v)}`,
  );
  return [String(e.id).padStart(6), String(e.at), String(e.kind).padEnd(21), ...ids, ...data].join('  ');
}

/**
 * Prints events after a cursor, oldest first (`--after`, default: the start of the log), page
 * by page until caught up; with `--follow`, keeps polling every `--interval-ms` (default 1000)
 * until interrupted (SIGINT/SIGTERM: exit 0).
 */
async function tailEvents(
  api: AdminApi,
  v: { after?: string; limit?: string; follow?: boolean; 'interval-ms'?: string },
  io: AdminCliIo,
  show: (e: Row) => void,
): Promise<number> {
  let after = int(v.after, '--after') ?? 0;
  const limit = int(v.limit, '--limit') ?? 100;
  if (limit < 1 || limit > 1000) throw new CliError('--limit: from 1 to 1000', 2);
  const intervalMs = int(v['interval-ms'], '--interval-ms') ?? 1000;
  let stopped = false;
  const stop = () => void (stopped = true);
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  try {
    while (!stopped) {
      const page = (await api.call('GET', `/v1/events?after=${after}&limit=${limit}`)) as EventPage;
      for (const e of page.events) show(e);
      after = page.next;
      if (page.events.length === limit) continue;
      if (!v.follow) break;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
    io.err(`next cursor: --after ${after}`);
    return 0;
  } finally {
    process.off('SIGINT', stop);
    process.off('SIGTERM', stop);
  }
}
