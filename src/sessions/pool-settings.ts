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

/** The pool's target with the settings in force, as the reconciler plans with it. */
export interface PoolTargetNow extends PoolSettings {
  /** Idle-or-coming servers wanted: poolTarget() of the settings, the pending starts and the forecast. */
  target: number;
  /** Pending starts counted in. */
  pending: number;
  /** The forecasting pool's idle target of the reconciler's last pass (null: the fixed policy). */
  forecastTarget: number | null;
}

export interface PoolInForceDeps {
  store: MetaReader & {
    setMeta(key: string, value: string): Promise<void>;
    countSessions(states: 'pending'[]): Promise<number>;
  };
  /** The configured settings now: MAX_SERVERS as clamped by the account's limit and a refusal hold. */
  configured: () => PoolSettings;
  /** The forecasting pool's idle target the reconciler last planned with (null: fixed policy, or no pass yet). */
  forecastTarget: () => number | null;
  log: { info(o: object, msg: string): void };
}

/**
 * Pool settings and the pool target in force for every reader: /v1/pool, the reconciler (its
 * settings each pass), GET /v1/status, the dashboard and /metrics. Nothing reads them from the
 * configuration directly, so run-time changes, the forecast and the capacity clamp show everywhere.
 */
export class PoolInForce {
  constructor(private readonly d: PoolInForceDeps) {}

  /** MAX_SERVERS now (clamped by the account's limit, 0 while a refusal holds): the hard cap. */
  configuredMaxServers(): number {
    return this.d.configured().maxServers;
  }

  /** The configured settings overlaid with run-time changes. */
  settings(): Promise<PoolSettings> {
    return effectivePoolSettings(this.d.store, this.d.configured());
  }

  /**
   * The target now: the settings in force, the pending starts (counted unless given, e.g. from
   * a snapshot already read) and the forecast of the last pass, through poolTarget() as the plan does.
   */
  async target(pending?: number): Promise<PoolTargetNow> {
    const settings = await this.settings();
    const waiting = pending ?? (await this.d.store.countSessions(['pending']));
    const forecastTarget = this.d.forecastTarget();
    return { ...settings, pending: waiting, forecastTarget, target: poolTarget(settings, waiting, forecastTarget) };
  }

  /** Changes pool settings at run time; stored, so every replica and the reconciler see them. */
  async change(change: Partial<PoolSettings>): Promise<PoolSettings> {
    const next = mergePoolSettings(await this.settings(), change, this.d.configured().maxServers);
    await this.d.store.setMeta(POOL_SETTINGS_KEY, JSON.stringify(next));
    this.d.log.info({ ...next }, 'pool settings changed by an operator');
    return next;
  }
}
