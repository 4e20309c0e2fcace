/**
 * Readable log lines for a person at a terminal: `12:04:05.120 INFO  message  key=value …`.
 * Used only when pretty output is chosen; the JSON path never loads or calls it. It reads the
 * JSON line pino writes, so everything pino does first (levels, redaction, serializers) holds.
 */

/** Where formatted lines go: a stream's write(). */
export interface LineSink {
  write(text: string): unknown;
}

const LEVELS: Record<number, { name: string; color: string }> = {
  10: { name: 'TRACE', color: '90' },
  20: { name: 'DEBUG', color: '36' },
  30: { name: 'INFO ', color: '32' },
  40: { name: 'WARN ', color: '33' },
  50: { name: 'ERROR', color: '31' },
  60: { name: 'FATAL', color: '35' },
};

/** pino's own bookkeeping: shown by position (time, level, message) or not at all. */
const HIDDEN = new Set(['time', 'level', 'msg', 'pid', 'hostname', 'v']);

/** A pino destination that writes each record as one readable line to `sink`. */
export function prettyDestination(sink: LineSink, opts: { color: boolean }): { write(line: string): void } {
  return { write: (line: string) => void sink.write(formatLine(line, opts.color)) };
}

/** One JSON log line → one readable line (plus an indented stack for errors). */
export function formatLine(line: string, color = false): string {
  let rec: Record<string, unknown>;
  try {
    rec = JSON.parse(line) as Record<string, unknown>;
  } catch {
    return line.endsWith('\n') ? line : `${line}\n`;
  }
  const paint = (code: string, text: string) => (color ? `\u001b[${code}m${text}\u001b[0m` : text);
  const level = LEVELS[Number(rec.level)] ?? { name: String(rec.level).toUpperCase().padEnd(5), color: '0' };
  const time = typeof rec.time === 'number' ? new Date(rec.time).toISOString().slice(11, 23) : '';
  const fields: string[] = [];
  let stack = '';
  for (const [k, v] of Object.entries(rec)) {
    if (HIDDEN.has(k) || v === undefined) continue;
    if (k === 'err' && v && typeof v === 'object' && 'stack' in v) {
      const e = v as { message?: unknown; stack?: unknown };
      fields.push(`err=${quote(String(e.message ?? ''))}`);
      stack = `\n${String(e.stack).replace(/^/gm, '    ')}`;
      continue;
    }
    fields.push(`${k}=${typeof v === 'string' ? quote(v) : JSON.stringify(v)}`);
  }
  const msg = typeof rec.msg === 'string' ? rec.msg : '';
  const rest = fields.length ? `  ${paint('90', fields.join(' '))}` : '';
  return `${paint('90', time)} ${paint(level.color, level.name)} ${msg}${rest}${stack}\n`;
}

/** Plain words stay bare; anything with spaces, quotes or = is JSON-quoted. */
function quote(s: string): string {
  return /^[^\s"=]+$/.test(s) ? s : JSON.stringify(s);
}
