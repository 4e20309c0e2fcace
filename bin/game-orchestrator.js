#!/usr/bin/env node
// Entry point of the `game-orchestrator` command. Runs the compiled build (npm run build)
// when there is one, else the TypeScript sources through tsx (a fresh clone after npm install).
import { existsSync } from 'node:fs';
import { fileURLToPath, pathToFileURL } from 'node:url';

const built = fileURLToPath(new URL('../dist/main.js', import.meta.url));
if (existsSync(built)) {
  await import(pathToFileURL(built).href);
} else {
  const { register } = await import('tsx/esm/api');
  register();
  await import(new URL('../src/main.ts', import.meta.url).href);
}
