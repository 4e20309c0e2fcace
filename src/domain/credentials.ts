import { createHmac, randomBytes } from 'node:crypto';

/**
 * Per-server credentials: derived from one master secret and the server's id, so nothing
 * per-server is stored, and a credential dies with its server (the row's state is checked).
 */
export function deriveServerCredential(masterSecret: string, serverId: string): string {
  return createHmac('sha256', masterSecret).update(`server-credential:${serverId}`).digest('hex');
}

/** A new random master secret (hex, 256 bits). */
export function newMasterSecret(): string {
  return randomBytes(32).toString('hex');
}
