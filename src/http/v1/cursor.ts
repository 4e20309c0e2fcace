import type { PageCursor } from '../../store/v1-types.js';

/** A page cursor as an opaque string. */
export function encodeCursor(c: PageCursor): string {
  return Buffer.from(JSON.stringify([c.createdAtMs, c.id])).toString('base64url');
}

/** A cursor this API gave out, back; null when it does not parse. */
export function decodeCursor(s: string): PageCursor | null {
  try {
    const v = JSON.parse(Buffer.from(s, 'base64url').toString('utf8')) as unknown;
    if (
      Array.isArray(v) &&
      v.length === 2 &&
      Number.isSafeInteger(v[0]) &&
      typeof v[1] === 'string' &&
      v[1].length <= 64
    )
      return { createdAtMs: v[0] as number, id: v[1] };
  } catch {
    /* not a cursor */
  }
  return null;
}
