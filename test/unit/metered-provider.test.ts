import { describe, expect, it } from 'vitest';
import { meteredProvider } from '../../src/operator/metered-provider.js';
import type { Provider } from '../../src/providers/provider.js';

describe('meteredProvider', () => {
  it('passes through what is not an API call: the API budget left and, for a fleet, the origin of a region', () => {
    const inner: Provider = {
      name: 'digitalocean',
      create: () => Promise.reject(new Error('unused')),
      list: () => Promise.resolve([]),
      get: () => Promise.resolve(null),
      delete: () => Promise.resolve('gone'),
      close: () => Promise.resolve(),
      apiBudgetLeft: () => ({ minute: 7, hour: 70 }),
      originFor: (region) => (region === 'fsn1' ? 'hetzner' : 'digitalocean'),
      makes: (origin) => origin === 'hetzner' || origin === 'digitalocean',
    };
    const p = meteredProvider(inner, () => {});
    expect(p.apiBudgetLeft?.()).toEqual({ minute: 7, hour: 70 });
    expect(p.originFor?.('fsn1')).toBe('hetzner');
    expect(p.makes?.('hetzner')).toBe(true);
    expect(p.makes?.('local')).toBe(false);
  });
});
