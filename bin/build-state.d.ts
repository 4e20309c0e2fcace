/** Repository (or installed package) root. */
export const ROOT: string;
/** Whether dist/ must be rebuilt before it runs, and why. */
export function buildState(root?: string): { stale: boolean; reason: string };
/** Dates dist/main.js back so the next start rebuilds (after a failed or interrupted build). */
export function markStale(root?: string): void;
