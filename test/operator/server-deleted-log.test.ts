import { afterEach, describe, expect, it } from 'vitest';
import { EventKind } from '../../src/domain/events.js';
import { logEvents } from '../../src/events/event-log.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { formatLine } from '../../src/util/pretty-log.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { collectingLogger, waitFor } from '../providers/local/process-helpers.js';

// #20 item 12: deleting a server's machine logged `server.deleted from=null reason=null` (the
// teardown's move has three possible `from` states and gave no reason).

let orch: Orchestrator | null = null;
afterEach(async () => {
  await orch?.close();
  orch = null;
});

describe("a deleted server's event line", () => {
  it('names the state it left and why, and prints no null field', async () => {
    const { logger, entries, text } = collectingLogger();
    orch = await testOrchestrator({ POOL_MIN_READY: '1', LOCAL_GAME_PORT: '0', ADMIN_TOKEN: 'op' }, { logger });
    await orch.reconciler.runPass(); // one local game server for the pool
    const [row] = await orch.store.listServers();
    await waitFor(() => entries.some((e) => e.serverId === row!.id && e.msg === 'game server started'), 'start');
    const r = await orch.app.inject({
      method: 'DELETE',
      url: `/v1/servers/${row!.id}`,
      headers: { authorization: 'Bearer op' },
    });
    expect(r.statusCode, r.body).toBe(200);
    const deleted = await waitFor(
      () => entries.find((e) => e.event === 'server.deleted' && e.serverId === row!.id),
      'server.deleted',
      30_000,
    );
    expect(deleted).toMatchObject({ from: 'shutdown', to: 'deleted', reason: 'deleted by an operator' });
    expect(Object.entries(deleted).filter(([, v]) => v === null)).toEqual([]);
    // The line a person reads on a terminal.
    const line = text()
      .split('\n')
      .find((l) => l.includes('"server.deleted"') && l.includes(row!.id))!;
    expect(formatLine(line)).not.toContain('=null');
    expect(formatLine(line)).toContain('from=shutdown');
  }, 60_000);

  it('leaves out any field without a value (an event recorded with reason null)', () => {
    const { logger, text } = collectingLogger();
    const data = { from: 'allocated', to: 'ready', reason: null, origin: 'local', ip: '127.0.0.2' };
    logEvents(logger, [{ id: 7, atMs: 0, kind: EventKind.ServerDeleted, serverId: 's1', sessionId: null, data }]);
    expect(formatLine(text().trim())).toMatch(
      /server\.deleted +event=server\.deleted eventId=7 serverId=s1 from=allocated/,
    );
    expect(formatLine(text().trim())).not.toMatch(/reason|sessionId|null/);
  });
});
