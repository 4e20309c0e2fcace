import { Counter, type Registry } from 'prom-client';
import type { LobbyObserver, QuickJoinOutcome } from '../sessions/lobby-observer.js';

/**
 * Lobby counters (issue 24), in this process (sum them across replicas):
 * orchestrator_lobby_listings_total{cache} (hit: the shared answer; miss: read from the store)
 * and orchestrator_quick_joins_total{outcome, region, reason}: seated (in a session that was
 * there) or started (a new one), with its region; refused with its reason and no region. Every
 * label value comes from a bounded set: the configured regions, the refusal reasons and error codes.
 */
export class LobbyMetrics implements LobbyObserver {
  private readonly listings: Counter<'cache'>;
  private readonly quickJoins: Counter<'outcome' | 'region' | 'reason'>;

  constructor(registry: Registry, prefix: string) {
    this.listings = new Counter({
      name: `${prefix}lobby_listings_total`,
      help: 'Lobby listings served: hit (the answer shared for LOBBY_CACHE_MS) or miss (read from the store).',
      labelNames: ['cache'],
      registers: [registry],
    });
    this.quickJoins = new Counter({
      name: `${prefix}quick_joins_total`,
      help: 'Quick joins: seated (in an existing session) or started (a new session), by region; refused, by reason.',
      labelNames: ['outcome', 'region', 'reason'],
      registers: [registry],
    });
  }

  listing = (cache: 'hit' | 'miss'): void => {
    this.listings.inc({ cache });
  };

  quickJoin = (o: QuickJoinOutcome): void => {
    if (o.outcome === 'refused') this.quickJoins.inc({ outcome: o.outcome, region: '', reason: o.reason });
    else this.quickJoins.inc({ outcome: o.outcome, region: o.region, reason: '' });
  };
}
