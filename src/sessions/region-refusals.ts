/** The meta key the regions refusing creates live under: `{"<region>": <until epoch ms>}`, shared by every replica. */
export const REGION_REFUSALS_KEY = 'region_refusals';

interface MetaVerbs {
  getMeta(key: string): Promise<string | null>;
  setMeta(key: string, value: string): Promise<void>;
}

/**
 * Regions whose provider refused a create, each until its cooldown (REGION_REFUSAL_COOLDOWN_S)
 * runs out: placement skips them and the reconciler makes nothing there meanwhile. Kept in the
 * store's meta table (one row), so every replica skips the region one replica saw refused.
 */
export class RegionRefusals {
  constructor(private readonly cooldownS: number) {}

  /** Region → until (epoch ms), only the ones still in their cooldown at nowMs. */
  async refusing(verbs: Pick<MetaVerbs, 'getMeta'>, nowMs: number): Promise<Map<string, number>> {
    return live(await verbs.getMeta(REGION_REFUSALS_KEY), nowMs);
  }

  /** Records `region` as refusing creates from nowMs for the cooldown (call in a transaction). */
  async record(verbs: MetaVerbs, region: string, nowMs: number): Promise<void> {
    const current = live(await verbs.getMeta(REGION_REFUSALS_KEY), nowMs);
    current.set(region, nowMs + this.cooldownS * 1000);
    await verbs.setMeta(REGION_REFUSALS_KEY, JSON.stringify(Object.fromEntries(current)));
  }
}

function live(raw: string | null, nowMs: number): Map<string, number> {
  const out = new Map<string, number>();
  if (!raw) return out;
  try {
    const parsed = JSON.parse(raw) as Record<string, unknown>;
    for (const [region, until] of Object.entries(parsed))
      if (typeof until === 'number' && until > nowMs) out.set(region, until);
  } catch {
    // A value that no longer parses refuses nothing.
  }
  return out;
}
