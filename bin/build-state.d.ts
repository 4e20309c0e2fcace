/** Repository (or installed package) root. */
export const ROOT: string;
/** Whether dist/ must be rebuilt before it runs, and why. */
export function buildState(root?: string): { stale: boolean; reason: string };
