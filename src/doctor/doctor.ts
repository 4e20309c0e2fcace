import pino, { type Logger } from 'pino';
import { DoClient } from '../providers/digitalocean/do-client.js';
import type { DoAccount, DoImage, DoRegion, DoSize } from '../providers/digitalocean/do-types.js';
import { listAll } from '../providers/digitalocean/paginate.js';
import { RateBudget } from '../providers/digitalocean/rate-budget.js';
import { systemClock, type Clock } from '../util/clock.js';
import {
  apiFailure,
  checkAccountStatus,
  checkDiskFits,
  checkDropletLimit,
  checkImage,
  checkRegion,
  checkSize,
  missingToken,
  tokenFailure,
  unknownImage,
  type DoctorCheck,
} from './doctor-checks.js';

export type { DoctorCheck } from './doctor-checks.js';

/** What the doctor checks against: the DigitalOcean settings of the service. */
export interface DoctorOptions {
  /** DIGITALOCEAN_TOKEN; null or empty fails the first check. */
  token: string | null;
  /** API base without `/v2`. */
  apiUrl: string;
  region: string;
  size: string;
  /** SNAPSHOT_ID: a snapshot id (digits) or a public image slug. */
  image: string | null;
  maxServers: number;
  requestTimeoutMs: number;
  clock?: Clock;
  logger?: Logger;
}

export interface DoctorReport {
  ok: boolean;
  checks: DoctorCheck[];
}

/**
 * Checks that the DigitalOcean settings can work before the service relies on them: the token,
 * the account, the region, the size, the snapshot and how they fit together. Read-only: it
 * creates nothing. Never throws for an API failure; a failure is a check with a fix.
 */
export async function runDoctor(opts: DoctorOptions): Promise<DoctorReport> {
  const checks: DoctorCheck[] = [];
  if (!opts.token) {
    checks.push(missingToken());
    return report(checks);
  }
  const token = opts.token;
  await withDoctorClient({ ...opts, token }, {}, (client) => runChecks(client, opts, checks));
  return report(checks);
}

/** What a doctor's API client is built from (either provider's doctor options). */
export interface DoctorClientOptions {
  token: string;
  apiUrl: string;
  requestTimeoutMs: number;
  clock?: Clock;
  logger?: Logger;
}

/**
 * Runs `checks` with an API client for the doctor (two retries, a short rate wait, quiet by
 * default) and closes the client and its budget afterwards, whatever the checks did.
 */
export async function withDoctorClient(
  opts: DoctorClientOptions,
  shape: { label?: string; budget?: { perHour: number; perMinute: number; refillPerS: number } },
  checks: (client: DoClient) => Promise<void>,
): Promise<void> {
  const clock = opts.clock ?? systemClock;
  const budget = new RateBudget({ clock, ...shape.budget });
  const client = new DoClient({
    token: opts.token,
    apiUrl: opts.apiUrl,
    label: shape.label,
    requestTimeoutMs: opts.requestTimeoutMs,
    maxRetries: 2,
    retryBaseMs: 250,
    retryMaxMs: 2000,
    maxRateWaitMs: 5000,
    budget,
    clock,
    logger: opts.logger ?? pino({ enabled: false }),
    random: Math.random,
  });
  try {
    await checks(client);
  } finally {
    client.close();
    budget.close();
  }
}

async function runChecks(client: DoClient, opts: DoctorOptions, checks: DoctorCheck[]): Promise<void> {
  let account: DoAccount;
  try {
    const res = await client.request<{ account: DoAccount }>({ method: 'GET', path: '/v2/account', priority: 'read' });
    account = res.body.account;
  } catch (err) {
    checks.push(tokenFailure(err, opts.apiUrl));
    return;
  }
  checks.push({ name: 'token', ok: true, detail: `authenticated${account.email ? ` as ${account.email}` : ''}` });
  checks.push(checkAccountStatus(account), checkDropletLimit(account, opts.maxServers));

  const [regions, sizes, image] = await Promise.allSettled([
    listAll<DoRegion>(client, '/v2/regions', 'regions', {}),
    listAll<DoSize>(client, '/v2/sizes', 'sizes', {}),
    fetchImage(client, opts.image),
  ]);
  checks.push(
    regions.status === 'fulfilled'
      ? checkRegion(regions.value, opts.region)
      : apiFailure('region', regions.reason, 'regions:read'),
  );
  checks.push(
    sizes.status === 'fulfilled'
      ? checkSize(sizes.value, opts.size, opts.region)
      : apiFailure('size', sizes.reason, 'sizes:read'),
  );
  const size = sizes.status === 'fulfilled' ? sizes.value.find((s) => s.slug === opts.size) : undefined;
  if (image.status === 'rejected') {
    checks.push(apiFailure('image', image.reason, 'image:read'));
  } else if (image.value === null) {
    checks.push(unknownImage(opts.image));
  } else {
    checks.push(checkImage(image.value, opts.region));
    if (size) checks.push(checkDiskFits(image.value, size));
  }
}

/** Private snapshots can only be fetched by id; public images by slug. Null when absent. */
async function fetchImage(client: DoClient, image: string | null): Promise<DoImage | null> {
  if (!image) return null;
  const res = await client.request<{ image: DoImage }>({
    method: 'GET',
    path: `/v2/images/${encodeURIComponent(image)}`,
    priority: 'read',
    allowStatuses: [404],
  });
  return res.status === 404 ? null : res.body.image;
}

function report(checks: DoctorCheck[]): DoctorReport {
  return { ok: checks.every((c) => c.ok), checks };
}
