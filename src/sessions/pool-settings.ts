import { OrchestratorError } from '../domain/errors.js';

/** The warm-pool settings an operator may change at run time. */
export interface PoolSettings {
  poolMinReady: number;
  poolBuffer: number;
  maxServers: number;
}

/** The meta key the run-time pool settings live under, so every replica reads the same ones. */
export const POOL_SETTINGS_KEY = 'pool_settings';

interface MetaReader {
  getMeta(key: string): Promise<string | null>;
}

/**
 * The configured settings overlaid with what an operator set at run time. MAX_SERVERS from
 * the environment stays the hard cost cap: a run-time max_servers can only lower it. A stored
 * value that no longer parses is ignored (the configured settings win), never fatal.
 */
export async function effectivePoolSettings(store: MetaReader, configured: PoolSettings): Promise<PoolSettings> {
  const raw = await store.getMeta(POOL_SETTINGS_KEY);
  if (!raw) return configured;
  let stored: Partial<PoolSettings>;
  try {
    stored = JSON.parse(raw) as Partial<PoolSettings>;
  } catch {
    return configured;
  }
  const pick = (v: unknown, dflt: number) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : dflt);
  const maxServers = Math.min(configured.maxServers, pick(stored.maxServers, configured.maxServers));
  return {
    poolMinReady: Math.min(maxServers, pick(stored.poolMinReady, configured.poolMinReady)),
    poolBuffer: pick(stored.poolBuffer, configured.poolBuffer),
    maxServers,
  };
}

/** Checks a change against the hard cap; returns the settings to store. */
export function mergePoolSettings(current: PoolSettings, change: Partial<PoolSettings>, hardCap: number): PoolSettings {
  const next = { ...current, ...Object.fromEntries(Object.entries(change).filter(([, v]) => v !== undefined)) };
  if (next.maxServers > hardCap) {
    throw new OrchestratorError(
      'invalid_input',
      `max_servers may not exceed MAX_SERVERS (${hardCap}), the configured cost cap`,
    );
  }
  if (next.poolMinReady > next.maxServers) {
    throw new OrchestratorError(
      'invalid_input',
      `min_ready (${next.poolMinReady}) may not exceed max_servers (${next.maxServers})`,
    );
  }
  return next;
}

/**
 * Idle-or-coming servers the pool wants: its idle wish (the forecast's target, at least
 * POOL_MIN_READY, under POOL_POLICY=forecast; else max(POOL_MIN_READY, POOL_BUFFER)) plus the
 * pending starts. The one formula: the reconciler's plan and every view use it.
 */
export function wantedIdle(s: Pick<PoolSettings, 'poolMinReady' | 'poolBuffer'>, forecastTarget?: number | null) {
  return forecastTarget === null || forecastTarget === undefined
    ? Math.max(s.poolMinReady, s.poolBuffer)
    : Math.max(s.poolMinReady, forecastTarget);
}
export function poolTarget(
  s: Pick<PoolSettings, 'poolMinReady' | 'poolBuffer'>,
  pending: number,
  forecastTarget?: number | null,
): number {
  return wantedIdle(s, forecastTarget) + pending;
}

/** Pool settings in force for every reader (/v1/pool, the reconciler, the dashboard, /metrics). */
export class PoolInForce {
  constructor(
    private readonly store: MetaReader & { setMeta(key: string, value: string): Promise<void> },
    /** The configured settings now: MAX_SERVERS as clamped by the account's limit and a refusal hold. */
    private readonly configured: () => PoolSettings,
    private readonly log: { info(o: object, msg: string): void },
  ) {}

  /** The configured settings overlaid with run-time changes. */
  settings(): Promise<PoolSettings> {
    return effectivePoolSettings(this.store, this.configured());
  }

  /** Changes pool settings at run time; stored, so every replica and the reconciler see them. */
  async change(change: Partial<PoolSettings>): Promise<PoolSettings> {
    const next = mergePoolSettings(await this.settings(), change, this.configured().maxServers);
    await this.store.setMeta(POOL_SETTINGS_KEY, JSON.stringify(next));
    this.log.info({ ...next }, 'pool settings changed by an operator');
    return next;
  }
}
