import type { Machine, MachineSpec, Provider } from '../src/providers/provider.js';

/**
 * A provider that only remembers machines, for the scale pass: the point there is the
 * reconciler's and the store's cost with 10,000 rows, not a cloud's latency. Counts calls.
 */
export class MemoryProvider implements Provider {
  readonly name = 'digitalocean' as const;
  readonly calls = { create: 0, list: 0, get: 0, delete: 0 };
  private readonly machines = new Map<string, Machine>();

  add(m: Machine): void {
    this.machines.set(m.providerId, m);
  }

  async create(spec: MachineSpec): Promise<Machine> {
    this.calls.create++;
    const m: Machine = {
      providerId: `m-${spec.serverId}`,
      serverId: spec.serverId,
      status: 'new',
      ip: null,
      port: null,
      createdAtMs: Date.now(),
      region: null,
    };
    this.machines.set(m.providerId, m);
    return m;
  }

  async list(): Promise<Machine[]> {
    this.calls.list++;
    return [...this.machines.values()];
  }

  async get(providerId: string): Promise<Machine | null> {
    this.calls.get++;
    return this.machines.get(providerId) ?? null;
  }

  async delete(providerId: string): Promise<'gone' | 'pending'> {
    this.calls.delete++;
    this.machines.delete(providerId);
    return 'gone';
  }

  async close(): Promise<void> {}
}
