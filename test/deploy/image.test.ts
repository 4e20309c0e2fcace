import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DOCS_HOST, launchChromium, viewDocs } from '../helpers/chromium.js';
import { envOf, last, parseEnvFile } from '../helpers/dockerfile.js';
import { buildImageFiles, NODE_UID, type ImageFiles } from '../helpers/image-files.js';
import { freePort, REPO_ROOT, waitFor } from '../helpers/processes.js';

// The image, without a Docker daemon: its runtime stage's files rebuilt exactly as the
// Dockerfile copies them, run as the `node` user (uid/gid 1000) through its entrypoint with
// the image's ENV and the README's `--env-file .env` made from .env.example.

const AS_ROOT = process.getuid?.() === 0;
const TOKEN = 'image-test-admin-token';
const root = mkdtempSync(path.join(tmpdir(), 'image-'));
const dataDir = path.join(root, 'data');
const homeDir = path.join(root, 'home');
let image: ImageFiles;
let service: ChildProcess | null = null;
let output = '';
let base = '';
let browser: Browser;

/** The container's environment: image ENV (its /data volume mounted here), then the env file, then -e flags. */
function containerEnv(extra: Record<string, string>): Record<string, string> {
  const fromImage = Object.fromEntries(
    Object.entries(envOf(image.runtime)).map(([k, v]) => [k, v.replace(/^\/data(?=\/|$)/, dataDir)]),
  );
  const envFile = parseEnvFile(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8'));
  return { PATH: process.env.PATH ?? '/usr/bin:/bin', HOME: homeDir, ...fromImage, ...envFile, ...extra };
}

/** `docker run` of the image's ENTRYPOINT + CMD (tini left out: it only reaps and forwards signals). */
function runImage(env: Record<string, string>, args?: string[]): ChildProcess {
  const cmd = JSON.parse(last(image.runtime, 'CMD') ?? '[]') as string[];
  const entry = (JSON.parse(last(image.runtime, 'ENTRYPOINT') ?? '[]') as string[]).at(-1)!;
  return spawn(path.join(image.appDir, path.relative('/app', entry)), args ?? cmd, {
    cwd: image.appDir,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
    ...(AS_ROOT ? { uid: NODE_UID, gid: NODE_UID } : {}),
  });
}

function owned(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o755 });
  if (AS_ROOT) chownSync(dir, NODE_UID, NODE_UID);
}

beforeAll(async () => {
  chmodSync(root, 0o755); // mkdtemp's 0700 would shut the node user out
  image = buildImageFiles(root);
  owned(dataDir); // the VOLUME, made and chowned to node by the Dockerfile's RUN
  owned(homeDir);
  const port = await freePort();
  service = runImage(containerEnv({ PORT: String(port), ADMIN_TOKEN: TOKEN, LOG_FORMAT: 'json' }));
  service.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  service.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  base = `http://127.0.0.1:${port}`;
  await waitFor(
    'the service to listen',
    async () => {
      if (service?.exitCode !== null) throw new Error(`exited ${service?.exitCode}:\n${output}`);
      return (await fetch(`${base}/`)).ok;
    },
    60_000,
    200,
  );
  browser = await launchChromium();
}, 240_000);

afterAll(async () => {
  await browser?.close();
  if (service?.pid && service.exitCode === null) {
    process.kill(-service.pid, 'SIGTERM');
    await new Promise((r) => service!.once('exit', r));
  }
  chmodSync(image?.appDir ?? root, 0o755);
  rmSync(root, { recursive: true, force: true });
}, 60_000);

describe('the image, rebuilt from the Dockerfile and run as node with the example .env', () => {
  it('keeps its database on the /data volume, and passes its own HEALTHCHECK', () => {
    expect(output).toContain('game-orchestrator is serving');
    expect(readFileSync(path.join(dataDir, 'orchestrator.db')).length).toBeGreaterThan(0);
    const check = /CMD (.*)$/.exec(last(image.runtime, 'HEALTHCHECK') ?? '')![1]!;
    const env = containerEnv({ PORT: new URL(base).port });
    expect(spawnSync('/bin/sh', ['-c', check], { env, cwd: image.appDir }).status).toBe(0);
  });

  it('starts a local game server that takes connections', async () => {
    const r = await fetch(`${base}/sessions/start`, { method: 'POST' });
    const body = (await r.json()) as { ip_address: string; share_tag: string };
    expect(r.status, JSON.stringify(body)).toBe(200);
    const gamePort = Number(
      parseEnvFile(readFileSync(path.join(REPO_ROOT, '.env.example'), 'utf8')).LOCAL_GAME_PORT ?? 7777,
    );
    await new Promise<void>((resolve, reject) => {
      const sock = connect({ host: body.ip_address, port: gamePort }, () => (sock.destroy(), resolve()));
      sock.once('error', reject);
    });
  });

  it('serves the dashboard, which goes live in Chromium', async () => {
    const page = await browser.newPage();
    try {
      await page.goto(`${base}/dashboard`);
      await page.fill('#token', TOKEN);
      await page.click('button[type=submit]');
      await page.waitForSelector('#live[data-state="live"]', { timeout: 60_000 });
    } finally {
      await page.close();
    }
  }, 180_000);

  it('renders /docs over plain HTTP on a host name other than localhost', async () => {
    const view = await viewDocs(browser, `http://${DOCS_HOST}:${new URL(base).port}`);
    expect(view.title).toContain('game-orchestrator');
    expect(view.problems).toEqual([]);
  }, 180_000);

  it('refuses a DB_PATH outside the volume with a message naming DB_PATH and the folder', async () => {
    // The old example's DB_PATH=./data/orchestrator.db, under an /app the node user cannot write.
    const proc = runImage(containerEnv({ DB_PATH: './data/orchestrator.db', PORT: '0' }));
    let err = '';
    proc.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const code = await new Promise<number | null>((r) => proc.once('exit', r));
    expect(code).not.toBe(0);
    expect(err).toContain(`DB_PATH=./data/orchestrator.db: cannot create the folder ${image.appDir}/data (EACCES)`);
  });
});
