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

/** How a code typed by a player is matched: surrounding spaces ignored, case-insensitive. */
export function normalizeShareCode(input: string): string {
  return input.trim().toUpperCase();
}
