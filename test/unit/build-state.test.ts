import { mkdirSync, mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildState as state, markStale } from '../../bin/build-state.js';

let root = '';
afterEach(() => rmSync(root, { recursive: true, force: true }));

function tree(files: Record<string, number>): string {
  root = mkdtempSync(path.join(tmpdir(), 'build-state-'));
  for (const [file, mtimeS] of Object.entries(files)) {
    const p = path.join(root, file);
    mkdirSync(path.dirname(p), { recursive: true });
    writeFileSync(p, '');
    utimesSync(p, mtimeS, mtimeS);
  }
  return root;
}

describe('buildState (what npm start decides before running)', () => {
  it('builds when dist/ does not exist yet (a fresh clone)', () => {
    expect(state(tree({ 'src/main.ts': 100 }))).toMatchObject({
      stale: true,
      reason: expect.stringMatching(/not been built/),
    });
  });

  it('runs dist/ as is when it is newer than every source', () => {
    expect(state(tree({ 'src/main.ts': 100, 'src/a/b.ts': 150, 'tsconfig.json': 90, 'dist/main.js': 200 })).stale).toBe(
      false,
    );
  });

  it('rebuilds when a nested source or the tsconfig changed after the build, naming it', () => {
    expect(state(tree({ 'src/main.ts': 100, 'src/a/b.ts': 300, 'dist/main.js': 200 }))).toEqual({
      stale: true,
      reason: `${path.join('src', 'a', 'b.ts')} changed since the last build`,
    });
    rmSync(root, { recursive: true, force: true });
    expect(state(tree({ 'src/main.ts': 100, 'tsconfig.build.json': 250, 'dist/main.js': 200 })).stale).toBe(true);
  });

  it('runs dist/ when there are no sources (an image that ships only the build)', () => {
    expect(state(tree({ 'dist/main.js': 200 })).stale).toBe(false);
  });
});

describe('markStale (after a failed build)', () => {
  it('makes the next start rebuild even though tsc wrote dist/main.js', () => {
    const r = tree({ 'src/main.ts': 100, 'dist/main.js': 200 });
    expect(state(r).stale).toBe(false);
    markStale(r);
    expect(state(r)).toEqual({ stale: true, reason: `${path.join('src', 'main.ts')} changed since the last build` });
  });
});
