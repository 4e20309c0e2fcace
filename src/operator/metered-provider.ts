import type { Provider } from '../providers/provider.js';
import { ProviderError } from '../providers/provider.js';

export type ProviderCallOutcome = 'ok' | 'error' | 'ambiguous';

/**
 * The same provider, counting each port call (create, list, get, delete) by outcome and
 * duration. A decorator, so every provider is measured the same way without knowing it.
 */
export function meteredProvider(
  inner: Provider,
  record: (op: string, outcome: ProviderCallOutcome, seconds: number) => void,
): Provider {
  const wrap =
    <A extends unknown[], R>(op: string, fn: (...a: A) => Promise<R>) =>
    async (...a: A): Promise<R> => {
      const t0 = performance.now();
      try {
        const r = await fn(...a);
        record(op, 'ok', (performance.now() - t0) / 1000);
        return r;
      } catch (err) {
        record(
          op,
          err instanceof ProviderError && err.ambiguous ? 'ambiguous' : 'error',
          (performance.now() - t0) / 1000,
        );
        throw err;
      }
    };
  const p: Provider = {
    name: inner.name,
    create: wrap('create', (spec) => inner.create(spec)),
    list: wrap('list', () => inner.list()),
    get: wrap('get', (id) => inner.get(id)),
    delete: wrap('delete', (id) => inner.delete(id)),
    close: () => inner.close(),
  };
  if (inner.telemetry) p.telemetry = () => inner.telemetry!();
  if (inner.prices) p.prices = () => inner.prices!();
  if (inner.adopt) p.adopt = wrap('adopt', (id: string) => inner.adopt!(id));
  if (inner.goneReason) p.goneReason = (id: string) => inner.goneReason!(id);
  if (inner.accountLimit) p.accountLimit = wrap('account', () => inner.accountLimit!());
  // Not API calls: what the pool may spend, and which cloud a region's rows belong to (a fleet).
  if (inner.apiBudgetLeft) p.apiBudgetLeft = () => inner.apiBudgetLeft!();
  if (inner.originFor) p.originFor = (region: string) => inner.originFor!(region);
  if (inner.makes) p.makes = (origin: string) => inner.makes!(origin);
  if (inner.sizeFor) p.sizeFor = (region: string) => inner.sizeFor!(region);
  return p;
}
