/**
 * What the supervisor (supervisor.ts) and the orchestrator (supervised-process.ts) say to each
 * other. The supervisor's argv[2] is JSON `SupervisorOrders`; it reports over IPC.
 */
export interface SupervisorOrders {
  /** The game server's program and arguments. */
  command: string;
  args: string[];
  /** SIGTERM → SIGKILL delay when stopping the game server's process group. */
  graceMs: number;
}

export type SupervisorMessage =
  /** The game server started. */
  | { type: 'spawned'; pid: number }
  /** It could not start (the supervisor then exits 127). */
  | { type: 'error'; message: string; code?: string }
  /** It exited (the supervisor then exits too). */
  | { type: 'exit'; code: number | null; signal: string | null };
