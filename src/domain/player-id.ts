import { randomBytes } from 'node:crypto';

/** Made ids drawn from one buffer of random bytes: a join made a syscall for its 12 bytes before. */
const IDS_PER_DRAW = 256;
const ID_BYTES = 12;
let pool = Buffer.alloc(0);
let next = 0;

/**
 * A made player id (a join or quick join that names none): 12 random bytes as base64url,
 * prefixed so it reads as made. The bytes come from the CSPRNG, drawn 256 ids' worth at a time.
 */
export function newPlayerId(): string {
  if (next + ID_BYTES > pool.length) {
    pool = randomBytes(ID_BYTES * IDS_PER_DRAW);
    next = 0;
  }
  const id = pool.toString('base64url', next, next + ID_BYTES);
  next += ID_BYTES;
  return `p_${id}`;
}
