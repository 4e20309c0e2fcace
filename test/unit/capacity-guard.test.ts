import { describe, expect, it } from 'vitest';
import { CapacityGuard } from '../../src/domain/capacity-guard.js';
import { FakeClock } from '../../src/util/clock.js';

const LABEL = "the DigitalOcean account's droplet_limit";

function guard(configuredMaxServers = 10) {
  const clock = new FakeClock();
  return { clock, g: new CapacityGuard({ configuredMaxServers, clock, refusalHoldMs: 60_000 }) };
}

describe('CapacityGuard', () => {
  it('clamps MAX_SERVERS to a lower account limit and says so once, in the warning and the status', () => {
    const { g } = guard(10);
    expect(g.setAccountLimit(5, LABEL)).toBe(
      "MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit",
    );
    expect(g.maxServers).toBe(5);
    expect(g.status()).toEqual({
      configuredMaxServers: 10,
      accountLimit: 5,
      maxServers: 5,
      clamp: "MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit",
      refusedUntilMs: null,
      refusal: null,
    });
  });

  it('a limit at or above MAX_SERVERS changes nothing and warns of nothing', () => {
    const { g } = guard(10);
    expect(g.setAccountLimit(25, LABEL)).toBeNull();
    expect(g.maxServers).toBe(10);
    expect(g.status().clamp).toBeNull();
  });

  it('a refusal closes creates for the hold, then the cap comes back', () => {
    const { g, clock } = guard(10);
    g.setAccountLimit(5, LABEL);
    g.noteRefused('POST /v2/droplets: 422 creating this/these droplet(s) will exceed your droplet limit');
    expect(g.maxServers).toBe(0);
    expect(g.status()).toMatchObject({
      maxServers: 5,
      refusedUntilMs: clock.now() + 60_000,
      refusal: expect.stringContaining('droplet limit'),
    });
    clock.advance(59_999);
    expect(g.maxServers).toBe(0);
    clock.advance(1);
    expect(g.maxServers).toBe(5);
    expect(g.status().refusal).toBeNull();
  });

  it('a machine of ours confirmed gone ends the hold at once: the account has room again', () => {
    const { g } = guard(10);
    g.noteRefused('will exceed your droplet limit');
    expect(g.maxServers).toBe(0);
    g.noteFreed();
    expect(g.maxServers).toBe(10);
    expect(g.reason(3)).toBeNull();
  });

  it('gives the reason a start found no server only when capacity is it', () => {
    const { g, clock } = guard(10);
    expect(g.reason(9)).toBeNull();
    expect(g.reason(10)).toBe('all 10 servers allowed by MAX_SERVERS are in use');
    g.setAccountLimit(5, LABEL);
    expect(g.reason(4)).toBeNull();
    expect(g.reason(5)).toBe(
      "all 5 servers allowed are in use (MAX_SERVERS 10 is clamped to 5, the DigitalOcean account's droplet_limit)",
    );
    g.noteRefused('will exceed your droplet limit');
    clock.advance(30_000);
    expect(g.reason(0)).toBe(
      "the provider refused a new server because the account's limit is reached (will exceed your droplet limit); no create is tried for 30 s",
    );
  });
});
