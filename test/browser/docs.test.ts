import { readFileSync } from 'node:fs';
import type { AddressInfo } from 'node:net';
import type { Browser } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LOGO_SVG } from '../../src/http/docs-ui.js';
import type { Orchestrator } from '../../src/orchestrator.js';
import { DOCS_HOST, launchChromium, viewDocs, type DocsPageView } from '../helpers/chromium.js';
import { testOrchestrator } from '../helpers/orchestrator.js';
import { REPO_ROOT } from '../helpers/processes.js';

const PACKAGE = JSON.parse(readFileSync(`${REPO_ROOT}/package.json`, 'utf8')) as { version: string };

let orch: Orchestrator;
let browser: Browser;
let view: DocsPageView;

beforeAll(async () => {
  orch = await testOrchestrator();
  await orch.app.listen({ host: '127.0.0.1', port: 0 });
  const port = (orch.app.server.address() as AddressInfo).port;
  browser = await launchChromium();
  // Chromium upgrades every request of a page whose CSP says upgrade-insecure-requests, except
  // on localhost: only a real host name shows the blank page.
  view = await viewDocs(browser, `http://${DOCS_HOST}:${port}`);
}, 180_000);

afterAll(async () => {
  await browser?.close();
  await orch?.close();
});

describe('/docs in Chromium', () => {
  it('renders over plain HTTP on a host name other than localhost, with no console error', () => {
    expect(view.title).toContain('game-orchestrator');
    expect(view.problems).toEqual([]);
  });

  it("shows the package's version, our favicon and our logo (not Swagger's or Fastify's)", () => {
    expect(view.version).toContain(PACKAGE.version);
    expect(view.favicon).toBe('image/svg+xml');
    expect(view.logo).toBe(`data:image/svg+xml;base64,${Buffer.from(LOGO_SVG).toString('base64')}`);
  });
});
