import type { Machine, MachineSpec, Provider, ProviderTelemetry, SizePrices } from './provider.js';

/** One member of a fleet: a provider and the regions it serves. */
export interface FleetMember {
  provider: Provider;
  regions: readonly string[];
}

/** A machine id of a member other than the first: `<provider>:<its own id>`. */
const SEPARATOR = ':';

/**
 * Regions across providers (issue 25 item 3): one Provider over several, each serving its own
 * regions (REGION_PROVIDERS), so placement, pools, caps and costs see regions and never which
 * cloud a region is on.
 *
 * - A create goes to the provider of its spec's region.
 * - Machine ids of the first member (PROVIDER, the default region's) stay as that provider gives
 *   them, so rows made before REGION_PROVIDERS was set keep working. Every other member's ids
 *   carry its name (`hetzner:4711`): two clouds may hand out the same number.
 * - A listing is every member's. If one member's listing fails, the whole listing fails: the
 *   reconciler must never read a partial listing as "those machines are gone".
 * - Each machine's origin (the row's `origin`) is its own provider's name, so costs price it by
 *   its own cloud and a row is judged only by the member that made it.
 */
export class FleetProvider implements Provider {
  readonly name: string;
  private readonly byRegion = new Map<string, Provider>();
  private readonly byName = new Map<string, Provider>();
  private readonly first: Provider;

  constructor(private readonly members: readonly FleetMember[]) {
    if (members.length === 0) throw new Error('a fleet needs at least one provider');
    this.first = members[0]!.provider;
    this.name = this.first.name;
    for (const m of members) {
      if (this.byName.has(m.provider.name)) throw new Error(`provider ${m.provider.name} is in the fleet twice`);
      this.byName.set(m.provider.name, m.provider);
      for (const region of m.regions) {
        if (this.byRegion.has(region)) throw new Error(`region ${region} is served by two providers`);
        this.byRegion.set(region, m.provider);
      }
    }
  }

  /** The provider a region is on (the first member for a region no member names). */
  providerOf(region: string): Provider {
    return this.byRegion.get(region) ?? this.first;
  }

  originFor(region: string): string {
    return this.providerOf(region).name;
  }

  makes(origin: string): boolean {
    return this.byName.has(origin);
  }

  sizeFor(region: string): string | null {
    return this.providerOf(region).sizeFor?.(region) ?? null;
  }

  async create(spec: MachineSpec): Promise<Machine> {
    const p = this.providerOf(spec.region);
    return this.outward(p, await p.create(spec));
  }

  async list(): Promise<Machine[]> {
    const lists = await Promise.all(
      this.members.map(async (m) => (await m.provider.list()).map((x) => this.outward(m.provider, x))),
    );
    return lists.flat();
  }

  async get(providerId: string): Promise<Machine | null> {
    const { provider, id } = this.inward(providerId);
    const m = await provider.get(id);
    return m && this.outward(provider, m);
  }

  async adopt(providerId: string): Promise<void> {
    const { provider, id } = this.inward(providerId);
    await provider.adopt?.(id);
  }

  delete(providerId: string): Promise<'gone' | 'pending'> {
    const { provider, id } = this.inward(providerId);
    return provider.delete(id);
  }

  goneReason(providerId: string): string | null {
    const { provider, id } = this.inward(providerId);
    return provider.goneReason?.(id) ?? null;
  }

  async close(): Promise<void> {
    await Promise.all(this.members.map((m) => m.provider.close()));
  }

  /** The accounts' limits together (each cloud refuses past its own; the guard sees the fleet's sum). */
  async accountLimit(): Promise<{ limit: number; label: string } | null> {
    const limits = await Promise.all(this.members.map((m) => m.provider.accountLimit?.() ?? Promise.resolve(null)));
    if (limits.some((l) => l === null)) return null;
    return {
      limit: limits.reduce((sum, l) => sum + l!.limit, 0),
      label: limits.map((l, i) => `${this.members[i]!.provider.name}: ${l!.label}`).join('; '),
    };
  }

  telemetry(): ProviderTelemetry {
    const parts = this.members.map((m) => ({ name: m.provider.name, t: m.provider.telemetry?.() }));
    return {
      calls: parts.flatMap(({ name, t }, i) =>
        (t?.calls ?? []).map((c) => (i === 0 ? c : { ...c, route: `${name} ${c.route}` })),
      ),
      rateBudget: parts[0]!.t?.rateBudget ?? null,
    };
  }

  /** Every member's sizes (their names differ by cloud), the current size the first member's; each cloud's own price by origin. */
  async prices(): Promise<SizePrices> {
    const all = await Promise.all(this.members.map((m) => m.provider.prices?.() ?? Promise.resolve(null)));
    const hourlyUsd: Record<string, number> = {};
    for (const p of [...all].reverse()) Object.assign(hourlyUsd, p?.hourlyUsd ?? {});
    const hourlyByOrigin: Record<string, number> = {};
    const sizesByOrigin: Record<string, Readonly<Record<string, number>>> = {};
    all.forEach((p, i) => {
      const name = this.members[i]!.provider.name;
      hourlyByOrigin[name] = p ? (p.hourlyUsd[p.currentSize] ?? 0) : 0;
      sizesByOrigin[name] = p?.hourlyUsd ?? {};
    });
    return { currentSize: all[0]?.currentSize ?? '', hourlyUsd, hourlyByOrigin, sizesByOrigin };
  }

  /** The scarcest member's budget: a pass must not spend what one cloud does not have. */
  apiBudgetLeft(): { minute: number; hour: number } {
    const left = this.members.flatMap((m) => (m.provider.apiBudgetLeft ? [m.provider.apiBudgetLeft()] : []));
    return {
      minute: Math.min(Infinity, ...left.map((l) => l.minute)),
      hour: Math.min(Infinity, ...left.map((l) => l.hour)),
    };
  }

  private outward(provider: Provider, m: Machine): Machine {
    return provider === this.first ? m : { ...m, providerId: `${provider.name}${SEPARATOR}${m.providerId}` };
  }

  private inward(providerId: string): { provider: Provider; id: string } {
    const at = providerId.indexOf(SEPARATOR);
    if (at > 0) {
      const provider = this.byName.get(providerId.slice(0, at));
      if (provider && provider !== this.first) return { provider, id: providerId.slice(at + 1) };
    }
    return { provider: this.first, id: providerId };
  }
}
