import { describe, expect, it } from 'vitest';
import type { FastifyBaseLogger } from 'fastify';
import { CapLog } from '../../../src/http/cap-log.js';
import { connectionCapWithin } from '../../../src/http/connection-guard.js';

describe('connectionCapWithin', () => {
  it('keeps MAX_CONNECTIONS below the open-file limit, with room for everything else', () => {
    expect(connectionCapWithin(4096, 16, 1_048_576)).toBe(4096);
    expect(connectionCapWithin(4096, 16, 1024)).toBe(1024 - 256 - 16);
    // A small limit keeps half of it for connections.
    expect(connectionCapWithin(4096, 8, 256)).toBe(128 - 8);
    expect(connectionCapWithin(100, 8, 256)).toBe(100);
    expect(connectionCapWithin(4096, 16, null)).toBe(4096);
    expect(connectionCapWithin(0, 16, 256)).toBe(0);
  });
});

describe('CapLog', () => {
  function capture() {
    const lines: Record<string, unknown>[] = [];
    const log = { warn: (o: Record<string, unknown>) => lines.push(o) } as unknown as FastifyBaseLogger;
    return { lines, log };
  }

  it('logs the first refusal at once, then at most one line per cap and interval, with the count', () => {
    const { lines, log } = capture();
    let now = 0;
    const caps = new CapLog({ log, now: () => now, intervalMs: 60_000, open: () => 7 });
    caps.refused('MAX_CONNECTIONS', 100, '192.0.2.1');
    for (let i = 0; i < 500; i++) caps.refused('MAX_CONNECTIONS', 100, '192.0.2.2');
    caps.refused('MAX_CONNECTIONS_PER_ADDRESS', 20, '192.0.2.3');
    expect(lines).toEqual([
      expect.objectContaining({ cap: 'MAX_CONNECTIONS', refused: 1, open: 7, lastAddress: '192.0.2.1' }),
      expect.objectContaining({ cap: 'MAX_CONNECTIONS_PER_ADDRESS', refused: 1, lastAddress: '192.0.2.3' }),
    ]);
    now = 60_000;
    caps.refused('MAX_CONNECTIONS', 100, '192.0.2.4');
    expect(lines[2]).toEqual(
      expect.objectContaining({ cap: 'MAX_CONNECTIONS', refused: 501, lastAddress: '192.0.2.4' }),
    );
    caps.stop();
  });
});
