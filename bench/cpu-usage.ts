import { readdirSync, readFileSync } from 'node:fs';

/*
 * CPU time of processes, read from /proc (Linux): what a run cost in CPU, which unlike its
 * throughput does not depend on what else the machine is doing. Clock ticks are 100 a second
 * (USER_HZ on every Linux the bench runs on).
 */
const TICK_MS = 10;

/** utime, stime, cutime, cstime of a process (ticks), or null when it is gone. */
function times(pid: number): { own: number; children: number; ppid: number } | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) may hold spaces: fields are counted after its closing parenthesis.
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return { ppid: Number(f[1]), own: Number(f[11]) + Number(f[12]), children: Number(f[13]) + Number(f[14]) };
  } catch {
    return null;
  }
}

/** Every live process's parent and own CPU ticks, from one pass over /proc. */
function processTable(): { parent: Map<number, number>; own: Map<number, number> } {
  const parent = new Map<number, number>();
  const own = new Map<number, number>();
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name)) continue;
    const t = times(Number(name));
    if (!t) continue;
    parent.set(Number(name), t.ppid);
    own.set(Number(name), t.own);
  }
  return { parent, own };
}

/** CPU milliseconds these processes have used so far (0 for one that is gone). */
export function cpuMs(pids: readonly number[]): number {
  return pids.reduce((n, pid) => n + (times(pid)?.own ?? 0) * TICK_MS, 0);
}

/**
 * CPU milliseconds a process tree has used so far: the root with the children it reaped (a
 * PostgreSQL postmaster reaps its exited backends) and every live descendant.
 */
export function treeCpuMs(root: number): number {
  const { parent, own } = processTable();
  const inTree = (pid: number): boolean => {
    for (let p = pid, hops = 0; p > 1 && hops < 64; p = parent.get(p) ?? 0, hops++) if (p === root) return true;
    return false;
  };
  let ticks = times(root)?.children ?? 0;
  for (const [pid, t] of own) if (inTree(pid)) ticks += t;
  return ticks * TICK_MS;
}

/**
 * CPU milliseconds so far of a process tree's members by what they are: their command line
 * (PostgreSQL titles each process: "postgres: walwriter", "postgres: user db 127.0.0.1(…) idle"),
 * cut to its first `words` words; "(exited)" is what the root reaped of children gone since.
 */
export function treeCpuByTitle(root: number, words = 2): Map<string, number> {
  const out = new Map<string, number>();
  const { parent, own } = processTable();
  for (const [pid, t] of own) {
    let p = pid;
    for (let hops = 0; p > 1 && p !== root && hops < 64; hops++) p = parent.get(p) ?? 0;
    if (p !== root) continue;
    let title = '?';
    try {
      title = readFileSync(`/proc/${pid}/cmdline`, 'utf8')
        .replace(/\0/g, ' ')
        .trim()
        .split(/\s+/)
        .slice(0, words)
        .join(' ');
    } catch {
      // gone meanwhile
    }
    out.set(title, (out.get(title) ?? 0) + t * TICK_MS);
  }
  out.set('(exited)', (times(root)?.children ?? 0) * TICK_MS);
  return out;
}
