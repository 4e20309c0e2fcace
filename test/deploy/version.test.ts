import { execFile } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { parseDockerfile } from '../helpers/dockerfile.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { REPO_ROOT } from '../helpers/processes.js';

// One version, package.json's: the API docs, the operator status, the command and the image's
// label say the same, and the changelog's latest release is it.

const VERSION = (JSON.parse(readFileSync(path.join(REPO_ROOT, 'package.json'), 'utf8')) as { version: string }).version;
const run = promisify(execFile);
let orch: Orchestrator | null = null;
afterAll(async () => orch?.close());

/** `KEY="value" KEY2=value` (a LABEL's or ARG's arguments) → pairs, quotes removed. */
function pairs(args: string): Record<string, string> {
  const out: Record<string, string> = {};
  for (const m of args.matchAll(/([\w.-]+)=("(?:[^"\\]|\\.)*"|\S+)/g)) out[m[1]!] = m[2]!.replace(/^"(.*)"$/, '$1');
  return out;
}

describe(`the version (package.json: ${VERSION})`, () => {
  it('is what /docs (the OpenAPI document) and GET /v1/status say', async () => {
    orch = await testOrchestrator({ ADMIN_TOKEN: 'op' });
    const doc = await orch.app.inject({ method: 'GET', url: '/openapi.json' });
    expect(doc.json().info.version).toBe(VERSION);
    const status = await orch.app.inject({ method: 'GET', url: '/v1/status', headers: { authorization: 'Bearer op' } });
    expect(status.statusCode).toBe(200);
    expect(status.json().version).toBe(VERSION);
  });

  it('is what `game-orchestrator --version` prints', async () => {
    const { stdout } = await run(process.execPath, [path.join(REPO_ROOT, 'bin', 'game-orchestrator.js'), '--version'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '/tmp' },
    });
    expect(stdout.trim().split('\n').at(-1)).toBe(VERSION);
  }, 60_000);

  it("is the image's org.opencontainers.image.version label (the Dockerfile's ARG default)", () => {
    const runtime = parseDockerfile(readFileSync(path.join(REPO_ROOT, 'Dockerfile'), 'utf8')).at(-1)!;
    const args: Record<string, string> = {};
    for (const i of runtime.instructions.filter((x) => x.op === 'ARG')) Object.assign(args, pairs(i.args));
    const labels: Record<string, string> = {};
    for (const i of runtime.instructions.filter((x) => x.op === 'LABEL')) Object.assign(labels, pairs(i.args));
    const label = labels['org.opencontainers.image.version'];
    expect(label, 'a LABEL org.opencontainers.image.version in the runtime stage').toBeDefined();
    const resolved = label!.replace(/\$\{(\w+)\}|\$(\w+)/g, (_, a?: string, b?: string) => args[(a ?? b)!] ?? '');
    expect(resolved).toBe(VERSION);
  });

  it("is the changelog's latest release", () => {
    const changelog = readFileSync(path.join(REPO_ROOT, 'CHANGELOG.md'), 'utf8');
    const released = [...changelog.matchAll(/^## \[(\d+\.\d+\.\d+)\]/gm)].map((m) => m[1]);
    expect(released[0]).toBe(VERSION);
  });
});
