import type { SettingsReader } from '../guard/guard-config.js';

/** Seats (issue 24): how long a reserved seat waits for its player, and a dropped player for their seat. */
export interface SeatConfig {
  /** SEAT_TTL_S: a seat a join reserved is freed unless its player connects within this long (its token's life). */
  ttlS: number;
  /** RECONNECT_GRACE_S: a player whose connection dropped keeps their seat this long. */
  reconnectGraceS: number;
}

export function readSeatConfig(r: Pick<SettingsReader, 'num'>): SeatConfig {
  return {
    ttlS: r.num('SEAT_TTL_S', 30, 0.01, 86_400),
    reconnectGraceS: r.num('RECONNECT_GRACE_S', 60, 0, 86_400),
  };
}
