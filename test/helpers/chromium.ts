import { existsSync } from 'node:fs';
import { chromium, type Browser, type Page } from 'playwright-core';

/** Debian's Chromium (apt-get install chromium); playwright never downloads a browser here. */
export const CHROMIUM = '/usr/bin/chromium';

/** A host name that is not localhost (Chromium treats localhost as secure), resolved to loopback. */
export const DOCS_HOST = 'orch.test';

/** Headless Chromium with DOCS_HOST mapped to 127.0.0.1. */
export async function launchChromium(): Promise<Browser> {
  if (!existsSync(CHROMIUM)) throw new Error(`${CHROMIUM} is missing: apt-get install -y chromium (.ci/run does)`);
  return chromium.launch({
    executablePath: CHROMIUM,
    args: [
      '--headless',
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      `--host-resolver-rules=MAP ${DOCS_HOST} 127.0.0.1`,
    ],
  });
}

/** What /docs showed: the title and version Swagger UI rendered, and every console error or failed request. */
export interface DocsPageView {
  title: string;
  version: string;
  favicon: string | null;
  logo: string | null;
  problems: string[];
}

/** Opens `${base}/docs` and waits until Swagger UI has rendered the API's title. */
export async function viewDocs(browser: Browser, base: string): Promise<DocsPageView> {
  const page: Page = await browser.newPage();
  // A loaded machine (two cores, several test files) renders slowly: bound generously.
  page.setDefaultTimeout(60_000);
  const problems: string[] = [];
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`console ${m.type()}: ${m.text()}`);
  });
  page.on('pageerror', (e) => problems.push(`page error: ${e.message}`));
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()} ${r.failure()?.errorText ?? ''}`));
  page.on('response', (r) => {
    if (r.status() >= 400) problems.push(`HTTP ${r.status()}: ${r.url()}`);
  });
  try {
    await page.goto(`${base}/docs`);
    const title = page.locator('.swagger-ui .info .title');
    await title.waitFor({ timeout: 60_000 });
    // The operations list is rendered last; waiting for it lets late style errors show.
    await page.locator('.opblock').first().waitFor({ timeout: 60_000 });
    const logo = await page
      .locator('.topbar img')
      .first()
      .getAttribute('src', { timeout: 30_000 })
      .catch(() => null);
    const view = {
      title: (await title.innerText()).trim(),
      version: (await page.locator('.swagger-ui .info .title .version').first().innerText()).trim(),
      logo,
      problems: [...problems],
    };
    // Through the browser (the host name resolves only there), after the checks above.
    const iconHref = await page.locator('link[rel="icon"]').first().getAttribute('href');
    const icon = iconHref ? await page.goto(new URL(iconHref, page.url()).href) : null;
    const favicon = icon ? (icon.ok() ? (icon.headers()['content-type'] ?? '') : `HTTP ${icon.status()}`) : null;
    return { ...view, favicon };
  } finally {
    await page.close();
  }
}
