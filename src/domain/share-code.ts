import { randomInt } from 'node:crypto';

/** Upper-case letters and digits without look-alikes: no 0/O, 1/I/L. 31 symbols. */
export const SHARE_CODE_ALPHABET = 'ABCDEFGHJKMNPQRSTUVWXYZ23456789';
export const SHARE_CODE_LENGTH = 6;

/** A fresh random code (crypto RNG, so codes cannot be predicted). */
export function generateShareCode(random: (max: number) => number = randomInt): string {
  let code = '';
  for (let i = 0; i < SHARE_CODE_LENGTH; i++) code += SHARE_CODE_ALPHABET[random(SHARE_CODE_ALPHABET.length)];
  return code;
}

/** Longest code a player can type that may match (imported codes of the original included). */
export const SHARE_CODE_MAX_LENGTH = 64;

/**
 * How a code typed by a player is matched: surrounding ASCII spaces ignored, ASCII letters
 * case-insensitive. Only ASCII letters and digits may match, so `'ſ'` (which upper-cases to
 * `'S'`) or `'ﬀ'` (`'FF'`) never reach a code; codes imported from the original (hex, with 0 and
 * 1) keep working. Null when the input cannot be a code: the caller answers a plain "not found".
 */
export function normalizeShareCode(input: string): string | null {
  const code = input.replace(/^[ \t\r\n]+|[ \t\r\n]+$/g, '');
  if (code.length === 0 || code.length > SHARE_CODE_MAX_LENGTH || !/^[A-Za-z0-9]+$/.test(code)) return null;
  return code.toUpperCase();
}
