import { describe, expect, it } from 'vitest';
import { createLogger, wantsPretty } from '../../src/util/create-logger.js';
import { formatLine } from '../../src/util/pretty-log.js';

function capture(isTTY: boolean) {
  const lines: string[] = [];
  return { out: { isTTY, write: (t: string) => void lines.push(t) }, lines };
}

describe('log format', () => {
  it('auto is readable on a terminal and JSON elsewhere; json and pretty force it', () => {
    expect(wantsPretty('auto', { isTTY: true, write() {} })).toBe(true);
    expect(wantsPretty('auto', { isTTY: false, write() {} })).toBe(false);
    expect(wantsPretty('auto', { write() {} })).toBe(false);
    expect(wantsPretty('json', { isTTY: true, write() {} })).toBe(false);
    expect(wantsPretty('pretty', { isTTY: false, write() {} })).toBe(true);
  });

  it('a terminal gets one coloured readable line per record; LOG_FORMAT=json there still gets JSON', () => {
    const tty = capture(true);
    createLogger({ logLevel: 'info', logFormat: 'auto' }, tty.out).info(
      { serverId: 'abc', players: 2 },
      'server ready',
    );
    expect(tty.lines).toHaveLength(1);
    // eslint-disable-next-line no-control-regex -- strips the ANSI colour escapes
    expect(tty.lines[0]!.replace(/\u001b\[\d+m/g, '')).toMatch(
      /^\d\d:\d\d:\d\d\.\d{3} INFO {2}server ready {2}serverId=abc players=2\n$/,
    );
    expect(tty.lines[0]).toContain('\u001b[32mINFO ');

    const forced = capture(true);
    createLogger({ logLevel: 'info', logFormat: 'json' }, forced.out).info({ a: 1 }, 'hello');
    expect(JSON.parse(forced.lines[0]!)).toMatchObject({ level: 30, msg: 'hello', a: 1 });
  });

  it('keeps redaction, quotes values with spaces, and indents an error stack', () => {
    const c = capture(false);
    const log = createLogger({ logLevel: 'info', logFormat: 'pretty' }, c.out);
    log.info({ req: { headers: { authorization: 'Bearer secret' } }, note: 'two words' }, 'request');
    log.error({ err: new Error('boom') }, 'failed');
    expect(c.lines[0]).not.toContain('secret');
    expect(c.lines[0]).toContain('note="two words"');
    expect(c.lines[0]).not.toContain('\u001b[');
    expect(c.lines[1]).toMatch(/ERROR failed {2}err=boom\n {4}Error: boom\n +at /);
  });

  it('passes a line that is not JSON through unchanged', () => {
    expect(formatLine('plain text')).toBe('plain text\n');
  });
});
