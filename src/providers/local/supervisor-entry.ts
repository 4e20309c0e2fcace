import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type * as TypeScript from 'typescript';

let cached: string | null = null;

/**
 * The file `node` runs as the supervisor. Built: dist/providers/local/supervisor.js, beside this
 * module. From the sources (tsx, vitest) Node cannot run supervisor.ts itself, and a loader
 * (`--import tsx`) costs every game server start a few hundred ms of CPU; so the sources are
 * transpiled once (TypeScript's transpileModule, types already checked by tsc) into a file in
 * the temp directory named after their hash.
 */
export function supervisorEntry(): string {
  if (cached) return cached;
  const built = fileURLToPath(new URL('./supervisor.js', import.meta.url));
  cached = existsSync(built) ? built : transpiled(fileURLToPath(new URL('./supervisor.ts', import.meta.url)));
  return cached;
}

function transpiled(sourceFile: string): string {
  const source = readFileSync(sourceFile, 'utf8');
  const hash = createHash('sha256').update(source).digest('hex').slice(0, 16);
  const out = path.join(tmpdir(), `game-orchestrator-supervisor-${hash}.mjs`);
  if (existsSync(out)) return out;
  // typescript is a development dependency: present wherever the sources run.
  const ts = createRequire(import.meta.url)('typescript') as typeof TypeScript;
  const js = ts.transpileModule(source, {
    compilerOptions: { module: ts.ModuleKind.ESNext, target: ts.ScriptTarget.ES2022, verbatimModuleSyntax: true },
  }).outputText;
  // Written aside then renamed: a concurrent start never runs half a file.
  const partial = `${out}.${process.pid}.tmp`;
  writeFileSync(partial, js);
  renameSync(partial, out);
  return out;
}
