import type { Reader } from '../config-reader.js';
import { FREE_BILLING, type BillingRule } from '../domain/billing-rule.js';
import { digitaloceanProvider } from './digitalocean/index.js';
import { hetznerProvider } from './hetzner/index.js';
import { localProvider } from './local/index.js';
import { FleetProvider } from './fleet-provider.js';
import type { Provider } from './provider.js';
import type { ProviderContext, ProviderDefaults, ProviderModule, SharedBudget } from './provider-module.js';

export type { ProviderContext } from './provider-module.js';

/**
 * Every provider: the first is the default. A new cloud is one folder under providers/
 * exporting a ProviderModule, and one line here (see docs/providers.md).
 */
const MODULES = [localProvider, digitaloceanProvider, hetznerProvider] as const;

type Module = (typeof MODULES)[number];
/** PROVIDER's values, and the origin rows carry. */
export type ProviderName = Module['name'];
/** Each provider's settings, under its name (config.local, config.digitalocean, …). */
export type ProviderSettings = { [M in Module as M['name']]: ReturnType<M['readSettings']> };

export const PROVIDER_NAMES: ProviderName[] = MODULES.map((m) => m.name);

function moduleNamed(name: ProviderName): ProviderModule<ProviderName, unknown> {
  return MODULES.find((m) => m.name === name) as ProviderModule<ProviderName, unknown>;
}

/** The provider's defaults for general settings, and how it bills. */
export function providerDefaults(
  name: ProviderName,
): ProviderDefaults & { billing: BillingRule; billingByOrigin: Record<string, BillingRule> } {
  const m = moduleNamed(name);
  // Every provider's rule by the origin its rows carry: a fleet across clouds bills each by its own.
  const billingByOrigin = Object.fromEntries(MODULES.map((x) => [x.name, x.billing]));
  return { ...m.defaults, billing: m.billing, billingByOrigin };
}

/** How the provider a row's origin names bills its machines; anything else (external servers) is free to us. */
export function billingRuleOf(origin: string): BillingRule {
  return MODULES.find((m) => m.name === origin)?.billing ?? FREE_BILLING;
}

/**
 * What the providers say about regions: the default region is PROVIDER's (ProviderModule.defaultRegion;
 * absent: REGIONS' first, else `default`); where a client times its latency to a region is up to
 * the provider that region is on (REGION_PROVIDERS, else PROVIDER; null: no target of its own).
 */
export function providerRegionDefaults(
  name: ProviderName,
  settings: ProviderSettings,
  regionProviders: Readonly<Record<string, ProviderName>> = {},
): { defaultRegion(listed: readonly string[]): string; pingTarget(region: string): string | null } {
  const m = moduleNamed(name);
  return {
    defaultRegion: (listed) => (m.defaultRegion ? m.defaultRegion(settings[name], listed) : (listed[0] ?? 'default')),
    pingTarget: (region) => moduleNamed(regionProviders[region] ?? name).pingTarget?.(region) ?? null,
  };
}

/**
 * Every provider's settings, read (and validated) by its own module; `selected`: PROVIDER and
 * the providers REGION_PROVIDERS names (what each requires only then).
 */
export function readProviderSettings(r: Reader, selected: ProviderName | readonly ProviderName[]): ProviderSettings {
  const chosen = new Set<string>(typeof selected === 'string' ? [selected] : selected);
  const out: Record<string, unknown> = {};
  for (const m of MODULES) out[m.name] = m.readSettings(r, chosen.has(m.name));
  return out as ProviderSettings;
}

/**
 * The provider the service runs: PROVIDER's, built from its own settings; with REGION_PROVIDERS,
 * a fleet over PROVIDER and each provider named there, each with its own regions and its own
 * shared API budget (fleet-provider.ts).
 */
export function createProvider(
  ctx: ProviderContext & {
    config: { provider: ProviderName; regions?: { providers?: Readonly<Record<string, string>> } } & ProviderSettings;
    /** The shared API budget of one provider (each cloud has its own limits). */
    sharedBudgetFor?: (provider: ProviderName) => SharedBudget;
    /**
     * In a fleet, each cloud's account capacity (its own limit, refused for its own regions);
     * absent: `capacity` for every cloud.
     */
    capacityFor?: (provider: ProviderName, regions: readonly string[]) => ProviderContext['capacity'];
  },
): Provider {
  const { config, sharedBudgetFor, capacityFor, ...shared } = ctx;
  const onOther = (config.regions?.providers ?? {}) as Readonly<Record<string, ProviderName>>;
  const others = [...new Set(Object.values(onOther))].filter((n) => n !== config.provider);
  const build = (name: ProviderName, regions: readonly string[] | undefined, capacity = shared.capacity): Provider =>
    moduleNamed(name).create(config[name], {
      ...shared,
      capacity,
      sharedBudget: sharedBudgetFor?.(name) ?? (name === config.provider ? shared.sharedBudget : undefined),
      regions,
    });
  if (others.length === 0) return build(config.provider, shared.regions);
  const all = shared.regions ?? [];
  const members = [config.provider, ...others].map((name) => {
    const regions = all.filter((r) => (onOther[r] ?? config.provider) === name);
    const capacity = capacityFor?.(name, regions) ?? shared.capacity;
    return { provider: build(name, regions, capacity), regions };
  });
  return new FleetProvider(members);
}
