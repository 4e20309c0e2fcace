/** Types for sign.mjs, for TypeScript callers (the orchestrator's tests, a studio's TS server). */
export interface SignRequestInput {
  method: string;
  /** Path without the query. */
  path: string;
  /** Raw query string without '?'; '' when none. */
  query?: string;
  /** The exact body bytes sent; '' for none. */
  body?: string | Uint8Array;
  /** SERVER_CREDENTIAL, or the shared INTERNAL_HMAC_KEY / INTERNAL_HMAC_SECRET. */
  key: string;
  /** SERVER_ID: adds the `Server-Id` header (use with the server's own credential). */
  serverId?: string;
  /** Unix seconds; defaults to now. */
  timestampS?: number;
}

export declare function signRequest(input: SignRequestInput): Record<string, string>;
