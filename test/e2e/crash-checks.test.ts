import { describe, expect, it } from 'vitest';
import type { CloudMachine } from './crash-cloud.js';
import { cloudVersusStore } from './crash-checks.js';
import type { ServerView } from './crash-store-view.js';

// The crash soak's verdict rests on cloudVersusStore: pure logic over a droplet list and the
// store's rows, checked here on hand-made inputs (the soak itself never produces the bad cases).
function droplet(id: number, deleted = false, owned = true): CloudMachine {
  return { id: String(id), name: `gs-${id}`, status: 'active', owned, booting: false, deleted, madeFor: `gs-${id}` };
}

function row(id: string, providerId: string | null, state = 'ready', origin = 'digitalocean'): ServerView {
  return { id, state, origin, provider_id: providerId, ip: `203.0.113.${id.length}` };
}

function check(droplets: CloudMachine[], rows: ServerView[]): string[] {
  return cloudVersusStore({ machines: () => droplets }, { liveServers: () => rows });
}

describe('cloudVersusStore: exactly one live row per live droplet', () => {
  it('settled: one ready or allocated row per droplet, nothing else', () => {
    expect(
      check(
        [droplet(1), droplet(2), droplet(3, true), droplet(4, false, false)],
        [row('a', '1'), row('b', '2', 'allocated')],
      ),
    ).toEqual([]);
  });

  it('two live rows on one droplet are a violation (a Set of owners would hide it)', () => {
    expect(check([droplet(1)], [row('a', '1'), row('b', '1', 'allocated')])).toEqual([
      'droplet 1 gs-1 has 2 live rows: a, b',
    ]);
  });

  it('an orphan droplet, a row without its droplet, a half-way row and an external row are each reported', () => {
    const out = check(
      [droplet(1), droplet(2)],
      [row('a', '1', 'creating'), row('b', '9'), row('c', null, 'ready', 'external')],
    );
    expect(out).toEqual([
      'row a still creating',
      'row b (ready) has no live droplet (9)',
      'external row c at 203.0.113.1 (a heartbeat registered a server nobody made)',
      'orphan droplet 2 gs-2 (active)',
    ]);
  });
});
