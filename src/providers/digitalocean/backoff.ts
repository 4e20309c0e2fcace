/**
 * Exponential backoff with full jitter (AWS architecture blog): a uniform wait in
 * [0, min(maxMs, baseMs·2^attempt)), so many clients retrying together spread out instead
 * of hitting the API again in lockstep.
 */
export function fullJitterDelayMs(attempt: number, baseMs: number, maxMs: number, random: () => number): number {
  const ceiling = Math.min(maxMs, baseMs * 2 ** Math.min(attempt, 30));
  return Math.floor(random() * ceiling);
}
