import { mkdirSync } from 'node:fs';
import path from 'node:path';

/**
 * Makes the folder an SQLite file goes in. A failure names DB_PATH and both paths, since the
 * bare `EACCES: permission denied, mkdir '/app/data'` says neither what was asked for nor what
 * to change (a relative DB_PATH from an example .env overriding the image's /data, say).
 */
export function makeSqliteFolder(filePath: string): void {
  if (filePath === ':memory:') return;
  const folder = path.dirname(path.resolve(filePath));
  try {
    mkdirSync(folder, { recursive: true });
  } catch (err) {
    const why = (err as NodeJS.ErrnoException).code ?? (err as Error).message;
    throw new Error(
      `DB_PATH=${filePath}: cannot create the folder ${folder} (${why}). ` +
        'Set DB_PATH to a file in a folder this process can write (in the image: the /data volume).',
      { cause: err },
    );
  }
}
