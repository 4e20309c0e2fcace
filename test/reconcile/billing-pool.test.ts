import { afterEach, describe, expect, it } from 'vitest';
import { DIGITALOCEAN_BILLING, HETZNER_BILLING, type BillingRule } from '../../src/domain/billing-rule.js';
import { harness, type Harness } from './harness.js';

let h: Harness;
afterEach(async () => {
  await h?.close();
});

const MIN = 60_000;

/** The idle game servers report in (silent ones would look like an outage, which deletes nothing). */
async function heartbeats(): Promise<void> {
  for (const s of await h.store.listServers(['ready'])) await h.service.heartbeat({ serverId: s.id }, s.ip!, 0);
}

/** A pool of 3 made at t0, lowered to 1 at once: what is deleted when. */
async function lowered(rule: BillingRule, aware: boolean, rules?: (origin: string) => Record<string, BillingRule>) {
  h = await harness({ readiness: 'address', poolMinReady: 3 }, undefined, { billing: { rule, aware, marginS: 180 } });
  if (rules) {
    const billing = { rule, aware, marginS: 180, rules: rules(h.provider.name) };
    await h.close();
    h = await harness({ readiness: 'address', poolMinReady: 3 }, undefined, { billing });
  }
  const t0 = h.clock.now();
  await h.reconciler.runPass();
  expect(await h.store.countServers(['ready'])).toBe(3);
  const smaller = h.withSettings({ poolMinReady: 1 });
  const readyAt = async (minutes: number) => {
    h.clock.set(t0 + minutes * MIN);
    await heartbeats();
    await smaller.runPass();
    return h.store.countServers(['ready']);
  };
  return { readyAt, t0 };
}

describe('Billing-aware pool: an idle server already paid for is kept until just before its next billing unit', () => {
  it('hourly (Hetzner): two extra servers stay through their paid hour and go 3 min before the next', async () => {
    const { readyAt } = await lowered(HETZNER_BILLING, true);
    expect(await readyAt(1)).toBe(3);
    expect(await readyAt(30)).toBe(3);
    expect(await readyAt(56)).toBe(3);
    expect(h.provider.machines.size).toBe(3);
    expect(await readyAt(57.5)).toBe(1);
    expect(h.provider.machines.size).toBe(1);
  });

  it('a fleet across clouds: each server is billed by the rule of the cloud that made it, not the running one', async () => {
    // The running provider bills per second; the rows' own cloud (their origin) bills by the hour.
    const { readyAt } = await lowered(DIGITALOCEAN_BILLING, true, (origin) => ({ [origin]: HETZNER_BILLING }));
    expect(await readyAt(30)).toBe(3);
    expect(await readyAt(57.5)).toBe(1);
  });

  it('hourly: a server the pool wants again by then is not extra, and is kept into its next hour', async () => {
    const { readyAt } = await lowered(HETZNER_BILLING, true);
    expect(await readyAt(30)).toBe(3);
    const wantsThree = h.withSettings({ poolMinReady: 3 });
    h.clock.set(h.clock.now() + 28 * MIN);
    await heartbeats();
    await wantsThree.runPass();
    expect(await h.store.countServers(['ready'])).toBe(3);
    // Into the next hour, lowered again: kept until 3 min before the third hour.
    expect(await readyAt(90)).toBe(3);
    expect(await readyAt(117.5)).toBe(1);
  });

  it('the same pool without it (POOL_BILLING_AWARE=false) deletes the extra servers at once', async () => {
    const { readyAt } = await lowered(HETZNER_BILLING, false);
    expect(await readyAt(1)).toBe(1);
  });

  it('per-second billing (DigitalOcean) pays nothing ahead: the extra servers go at once', async () => {
    const { readyAt } = await lowered(DIGITALOCEAN_BILLING, true);
    expect(await readyAt(1)).toBe(1);
  });
});
