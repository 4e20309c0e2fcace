import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/processes.js';

const SRC = path.join(REPO_ROOT, 'src');

/** The most lines a source file under src/ may have: past it, split it by responsibility. */
const MAX_LINES = 300;

function* sources(dir: string): Generator<string> {
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) yield* sources(p);
    else if (/\.(ts|mts)$/.test(e.name) && !e.name.endsWith('.d.ts') && !e.name.endsWith('.d.mts')) yield p;
  }
}

/** Lines as `wc -l` counts them (a last line without a newline counts too). */
function lineCount(file: string): number {
  const text = readFileSync(file, 'utf8');
  return text.split('\n').length - (text.endsWith('\n') ? 1 : 0);
}

describe('source file size', () => {
  it(`no TypeScript file under src/ has more than ${MAX_LINES} lines`, () => {
    const over = [...sources(SRC)]
      .map((f) => ({ file: path.relative(REPO_ROOT, f).split(path.sep).join('/'), lines: lineCount(f) }))
      .filter((f) => f.lines > MAX_LINES)
      .map((f) => `${f.file}: ${f.lines} lines`);
    expect(over).toEqual([]);
  });
});
