import { pino, type Logger } from 'pino';
import type { Config } from '../config.js';
import { prettyDestination } from './pretty-log.js';

/** Header values that must never reach a log line. */
const REDACT = ['req.headers.authorization', 'req.headers["request-signature"]'];

/** An output stream as far as choosing a format goes. */
export interface LogOutput {
  write(text: string): unknown;
  isTTY?: boolean;
}

/** Whether LOG_FORMAT and the output make readable lines (a terminal, or LOG_FORMAT=pretty). */
export function wantsPretty(format: Config['logFormat'], out: LogOutput): boolean {
  return format === 'pretty' || (format === 'auto' && out.isTTY === true);
}

/**
 * The service's logger. JSON lines are pino's default fast path, unchanged; readable lines
 * format each record after pino has written it, and only when chosen.
 */
export function createLogger(cfg: Pick<Config, 'logLevel' | 'logFormat'>, out: LogOutput = process.stdout): Logger {
  const options = { level: cfg.logLevel, redact: REDACT };
  if (!wantsPretty(cfg.logFormat, out)) return out === process.stdout ? pino(options) : pino(options, out);
  return pino(options, prettyDestination(out, { color: out.isTTY === true }));
}
