import type { Reader } from '../config-reader.js';
import { digitaloceanProvider } from './digitalocean/index.js';
import { hetznerProvider } from './hetzner/index.js';
import { localProvider } from './local/index.js';
import type { Provider } from './provider.js';
import type { ProviderContext, ProviderDefaults, ProviderModule } from './provider-module.js';

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

export function providerDefaults(name: ProviderName): ProviderDefaults {
  return moduleNamed(name).defaults;
}

/**
 * What the selected provider says about regions: its default region (ProviderModule.defaultRegion;
 * absent: REGIONS' first, else `default`) and where a client times its latency to one (null: no
 * target of its own).
 */
export function providerRegionDefaults(
  name: ProviderName,
  settings: ProviderSettings,
): { defaultRegion(listed: readonly string[]): string; pingTarget(region: string): string | null } {
  const m = moduleNamed(name);
  return {
    defaultRegion: (listed) => (m.defaultRegion ? m.defaultRegion(settings[name], listed) : (listed[0] ?? 'default')),
    pingTarget: (region) => m.pingTarget?.(region) ?? null,
  };
}

/** Every provider's settings, read (and validated) by its own module. */
export function readProviderSettings(r: Reader, selected: ProviderName): ProviderSettings {
  const out: Record<string, unknown> = {};
  for (const m of MODULES) out[m.name] = m.readSettings(r, m.name === selected);
  return out as ProviderSettings;
}

/** The selected provider, built from its own settings. */
export function createProvider(
  ctx: ProviderContext & { config: { provider: ProviderName } & ProviderSettings },
): Provider {
  const { config, ...shared } = ctx;
  return moduleNamed(config.provider).create(config[config.provider], shared);
}
