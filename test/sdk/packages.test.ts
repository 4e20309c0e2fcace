import { execFile } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Orchestrator } from '../../src/orchestrator.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { REPO_ROOT } from '../helpers/processes.js';
import { readyServer } from '../http/v1/v1-helpers.js';

// The SDKs as a studio gets them: each workspace packed by `npm pack`, the tarball installed into
// an empty project of its own (offline: they have no dependencies), imported by its package name
// from plain Node ESM and used against a real orchestrator over HTTP; its types checked by tsc.

const run = promisify(execFile);
const root = mkdtempSync(path.join(tmpdir(), 'sdk-packages-'));
const ROOT_LICENSE = readFileSync(path.join(REPO_ROOT, 'LICENSE'), 'utf8');
let orch: Orchestrator;
let url = '';

interface Packed {
  name: string;
  version: string;
  tarball: string;
  files: string[];
  /** The empty project it was installed into. */
  project: string;
}

/** npm pack → a fresh folder with `{"type":"module"}` → npm install --offline of the tarball. */
async function packAndInstall(dir: string): Promise<Packed> {
  const into = mkdtempSync(path.join(root, `${dir}-`));
  const { stdout } = await run('npm', ['pack', '--json', '--pack-destination', into], {
    cwd: path.join(REPO_ROOT, 'packages', dir),
  });
  const [info] = JSON.parse(stdout) as { name: string; version: string; filename: string; files: { path: string }[] }[];
  const project = path.join(into, 'project');
  mkdirSync(project);
  writeFileSync(path.join(project, 'package.json'), JSON.stringify({ name: 'a-game', private: true, type: 'module' }));
  const tarball = path.join(into, info!.filename);
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', tarball], { cwd: project });
  return { ...info!, tarball, files: info!.files.map((f) => f.path).sort(), project };
}

/** `node script.mjs` in the project (no loader, no tsx: plain Node ESM); its stdout as JSON. */
async function nodeIn(project: string, script: string, env: Record<string, string>): Promise<unknown> {
  writeFileSync(path.join(project, 'script.mjs'), script);
  const { stdout } = await run(process.execPath, ['script.mjs'], {
    cwd: project,
    env: { PATH: process.env.PATH ?? '', ...env },
  });
  return JSON.parse(stdout);
}

/**
 * tsc (the repository's) over one TypeScript file in a project with both tarballs installed. One
 * run for both (tsc is seconds of CPU); skipLibCheck spares @types/node, and a type that failed to
 * resolve would still show: the @ts-expect-error lines would then have nothing to expect.
 */
async function typecheck(tarballs: string[], source: string): Promise<string> {
  const project = mkdtempSync(path.join(root, 'typescript-'));
  writeFileSync(
    path.join(project, 'package.json'),
    JSON.stringify({ name: 'a-ts-game', private: true, type: 'module' }),
  );
  await run('npm', ['install', '--offline', '--no-audit', '--no-fund', ...tarballs], { cwd: project });
  writeFileSync(path.join(project, 'check.ts'), source);
  writeFileSync(
    path.join(project, 'tsconfig.json'),
    JSON.stringify({
      compilerOptions: {
        module: 'NodeNext',
        moduleResolution: 'NodeNext',
        target: 'ES2022',
        strict: true,
        noEmit: true,
        skipLibCheck: true,
        types: ['node'],
        typeRoots: [path.join(REPO_ROOT, 'node_modules', '@types')],
      },
      files: ['check.ts'],
    }),
  );
  const tsc = path.join(REPO_ROOT, 'node_modules', 'typescript', 'bin', 'tsc');
  const r = await run(process.execPath, [tsc, '-p', project]).catch((e: { stdout: string }) => e);
  return r.stdout;
}

let client: Packed;
let server: Packed;

beforeAll(async () => {
  orch = await testOrchestrator();
  url = await orch.app.listen({ host: '127.0.0.1', port: 0 });
  [client, server] = await Promise.all([packAndInstall('client'), packAndInstall('server')]);
}, 120_000);

afterAll(async () => {
  await orch?.close();
  rmSync(root, { recursive: true, force: true });
});

describe.each([
  ['client', () => client, ['client.d.mts', 'client.mjs']],
  ['server', () => server, ['server.d.mts', 'server.mjs']],
] as const)('the %s SDK, packed', (dir, packed, code) => {
  it('holds its code, types, README, CHANGELOG and LICENSE, and declares no dependencies', () => {
    const p = packed();
    expect(p.name).toBe(`@game-orchestrator/${dir}`);
    expect(p.files).toEqual([...code, 'CHANGELOG.md', 'LICENSE', 'README.md', 'package.json'].sort());
    const installed = path.join(p.project, 'node_modules', '@game-orchestrator', dir);
    const manifest = JSON.parse(readFileSync(path.join(installed, 'package.json'), 'utf8'));
    expect(manifest.version).toMatch(/^\d+\.\d+\.\d+$/);
    expect(manifest.license).toBe('MIT');
    expect(readFileSync(path.join(installed, 'LICENSE'), 'utf8')).toBe(ROOT_LICENSE);
    expect(manifest.dependencies ?? {}).toEqual({});
    expect(manifest.peerDependencies ?? {}).toEqual({});
    expect(manifest.exports['.']).toEqual({ types: `./${code[0]}`, default: `./${code[1]}` });
    // The changelog has an entry for the version in the manifest.
    expect(readFileSync(path.join(installed, 'CHANGELOG.md'), 'utf8')).toContain(`## [${manifest.version}]`);
    // Nothing else landed in the empty project: no dependency came with it.
    const lock = JSON.parse(readFileSync(path.join(p.project, 'package-lock.json'), 'utf8'));
    expect(Object.keys(lock.packages).sort()).toEqual(['', `node_modules/@game-orchestrator/${dir}`]);
  });
});

describe('the packed SDKs, installed into empty projects and used from plain Node ESM', () => {
  it('client: starts a session on a real orchestrator, joins it, and reports an unknown code as NotFoundError', async () => {
    await readyServer(orch, '198.51.100.70');
    const out = (await nodeIn(
      client.project,
      `import { SessionsClient, NotFoundError } from '@game-orchestrator/client';
const client = new SessionsClient({ url: process.env.URL });
const s = await client.startAndWait({ maxPlayers: 2 });
const joined = await client.join(s.code);
const missing = await client.join('ZZZZZZ').catch((e) => e);
console.log(JSON.stringify({ state: s.state, address: joined.address, missing: missing instanceof NotFoundError, name: missing.name }));
`,
      { URL: url },
    )) as Record<string, unknown>;
    expect(out).toEqual({ state: 'active', address: '198.51.100.70', missing: true, name: 'NotFoundError' });
  });

  it("server: its signed ready and heartbeat are accepted by the service's verification, and count players", async () => {
    const srv = await readyServer(orch, '198.51.100.71');
    const out = (await nodeIn(
      server.project,
      `import { GameServerAgent, signRequest } from '@game-orchestrator/server';
const agent = GameServerAgent.fromEnv();
const ready = await agent.ready(0);
const beat = await agent.heartbeat(3);
// signRequest alone, as an engine's own HTTP code would use it.
const path = '/v1/servers/' + process.env.SERVER_ID + '/heartbeat';
const body = JSON.stringify({ players: 1 });
const headers = signRequest({ method: 'POST', path, body, key: process.env.SERVER_CREDENTIAL, timestampS: Math.floor(Date.now() / 1000) + 1 });
const raw = await fetch(process.env.ORCHESTRATOR_URL + path, { method: 'POST', body, headers: { ...headers, 'content-type': 'application/json' } });
const forged = signRequest({ method: 'POST', path, body, key: 'not-the-credential' });
const refused = await fetch(process.env.ORCHESTRATOR_URL + path, { method: 'POST', body, headers: { ...forged, 'content-type': 'application/json' } });
console.log(JSON.stringify({ ready: ready.status, beat: beat.status, raw: raw.status, refused: refused.status }));
`,
      { ORCHESTRATOR_URL: url, SERVER_ID: srv.id, SERVER_CREDENTIAL: srv.credential },
    )) as Record<string, unknown>;
    expect(out).toEqual({ ready: 200, beat: 200, raw: 200, refused: 401 });
    expect((await orch.store.getServer(srv.id))?.players).toBe(1);
  });

  it('their types resolve by package name in a TypeScript project (and reject a wrong call)', async () => {
    const errors = await typecheck(
      [client.tarball, server.tarball],
      `import { SessionsClient, ConflictError, type Session } from '@game-orchestrator/client';
import { GameServerAgent, signRequest, type CallResult } from '@game-orchestrator/server';
const c = new SessionsClient({ url: 'http://127.0.0.1:1' });
export const s: Promise<Session> = c.join('ABCDEF');
export const code: string = new ConflictError(409, 'session_full', 'full').code;
// @ts-expect-error url is required
new SessionsClient({});
const a = GameServerAgent.fromEnv();
export const r: Promise<CallResult> = a.heartbeat(2);
export const h: Record<string, string> = signRequest({ method: 'POST', path: '/x', key: 'k' });
// @ts-expect-error players must be a number
void a.heartbeat('two');
`,
    );
    expect(errors).toBe('');
  }, 120_000);
});
