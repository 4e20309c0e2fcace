import type { SharedBudget } from '../providers/provider-module.js';
import type { Clock } from '../util/clock.js';
import type { StoreVerbs } from './store.js';

/**
 * A cloud API budget every replica on this database draws from: one leaky bucket per window
 * (`<prefix>:<window name>`) in the rate counters, so a request is taken in one upsert and
 * replicas agree without locks. A request that does not fit is handed back at once.
 */
export function storeSharedBudget(store: Pick<StoreVerbs, 'leakHit'>, clock: Clock, prefix: string): SharedBudget {
  return {
    async take(w) {
      const key = `${prefix}:${w.name}`;
      const bucket = { limit: w.limit, windowMs: w.windowMs };
      const allowed = w.limit - w.reserve;
      const now = clock.now();
      const level = await store.leakHit(key, bucket, now);
      if (level <= allowed) return 0;
      await store.leakHit(key, bucket, now, -1);
      return Math.max(1, Math.ceil(((level - allowed) * w.windowMs) / w.limit));
    },
  };
}
