import type { PageCursor } from '../../store/v1-types.js';

/** A page cursor as an opaque string; a lobby listing by region adds the region it stopped in. */
export function encodeCursor(c: PageCursor & { region?: string }): string {
  const parts: unknown[] = [c.createdAtMs, c.id];
  if (c.region !== undefined) parts.push(c.region);
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** A cursor this API gave out, back; null when it does not parse. */
export function decodeCursor(s: string): (PageCursor & { region?: string }) | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      (v.length === 2 || (v.length === 3 && typeof v[2] === 'string' && v[2].length <= 64)) &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      v[1].length <= 64
    )
      return v.length === 3
        ? { createdAtMs: v[0] as number, id: v[1], region: v[2] as string }
        : { createdAtMs: v[0] as number, id: v[1] };
  } catch {
    /* not a cursor */
  }
  return null;
}
