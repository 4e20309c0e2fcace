import { LIVE_SERVER_STATES, type Server } from '../domain/server.js';
import type { OriginJudge } from '../providers/provider.js';
import type { Store } from '../store/store.js';
import { isJudgedBy } from './plan-machines.js';

/** Live rows another provider made, by origin; the reconciler leaves them alone (see isJudgedBy). */
export function foreignServers(servers: readonly Server[], provider: OriginJudge): Record<string, number> {
  const byOrigin: Record<string, number> = {};
  for (const s of servers) {
    if (s.origin === 'external' || isJudgedBy(s, provider) || s.state === 'deleted') continue;
    byOrigin[s.origin] = (byOrigin[s.origin] ?? 0) + 1;
  }
  return byOrigin;
}

/** At start-up: says how many rows another provider made are left alone (nothing when none). */
export async function logForeignServers(
  store: Store,
  provider: OriginJudge,
  log: { warn(obj: object, msg: string): void },
): Promise<number> {
  const byOrigin = foreignServers(await store.listServers(LIVE_SERVER_STATES), provider);
  const count = Object.values(byOrigin).reduce((a, b) => a + b, 0);
  if (count > 0) {
    const name = typeof provider === 'string' ? provider : provider.name;
    log.warn(
      { count, byOrigin, provider: name },
      `${count} server(s) made by another provider are left alone: the ${name} provider cannot see or delete them; run with that provider to manage them`,
    );
  }
  return count;
}
