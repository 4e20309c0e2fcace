import { readFileSync } from 'node:fs';

/** The process's soft open-file limit (`ulimit -n`), read where Linux shows it; null elsewhere. */
export function openFileLimit(): number | null {
  try {
    const m = /^Max open files\s+(\d+)/m.exec(readFileSync('/proc/self/limits', 'utf8'));
    return m ? Number(m[1]) : null;
  } catch {
    return null;
  }
}
