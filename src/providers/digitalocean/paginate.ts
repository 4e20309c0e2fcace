import { ProviderError } from '../provider.js';
import type { DoClient } from './do-client.js';
import type { DoLinks } from './do-types.js';
import type { RequestPriority } from './rate-budget.js';

/** DigitalOcean's largest page. */
export const MAX_PER_PAGE = 200;

/** Stops a server that keeps answering `next` from looping us forever (200 × 500 = 100k items). */
const MAX_PAGES = 500;

/**
 * Every item of a paged collection (`{<key>: T[], links, meta}`). Follows `links.pages.next`
 * by taking its `page` number and rebuilding the request on our configured base URL with the
 * same filters: the absolute link names api.digitalocean.com, which is wrong for the
 * emulator or a proxy and must never receive our token blindly.
 */
export async function listAll<T>(
  client: DoClient,
  path: string,
  key: string,
  query: Record<string, string | number>,
  priority: RequestPriority = 'read',
  pager: Pager = DO_PAGER,
): Promise<T[]> {
  // Pages are offsets: an item deleted from an earlier page while we read a later one shifts
  // the rest back, so a listing across pages can miss an item that exists. Callers treat a
  // missing machine as gone, so a listing whose reported total went down between pages is read
  // again, and after three tries it fails (retryably) rather than answer with a hole. New items
  // land after the ones we have (the collection is in creation order) and shift nothing, so a
  // total that only grew is fine: during a launch's burst of creates the listing still answers.
  // (A delete and a create between the same two pages cancel out in the total: not detected.)
  for (let attempt = 1; ; attempt++) {
    const r = await listOnce<T>(client, path, key, query, priority, pager);
    if (r.consistent) return r.items;
    if (attempt >= LIST_ATTEMPTS)
      throw new ProviderError(
        `GET ${path}: the collection kept changing while it was listed (${LIST_ATTEMPTS} tries)`,
        { retryable: true },
      );
  }
}

/** Reads of a multi-page listing before giving up on a consistent one. */
const LIST_ATTEMPTS = 3;

/**
 * How a cloud pages a collection: its largest page, the next page number a response names
 * (null on the last page), and the collection's total as the response reports it (null if none).
 */
export interface Pager {
  perPage: number;
  next(body: Record<string, unknown>): number | null;
  total(body: Record<string, unknown>): number | null;
}

/** DigitalOcean: `links.pages.next` (an absolute link; only its `page` is used) and `meta.total`. */
export const DO_PAGER: Pager = {
  perPage: MAX_PER_PAGE,
  next: (body) => nextPage((body as { links?: DoLinks }).links),
  total: (body) => {
    const total = (body as { meta?: { total?: unknown } }).meta?.total;
    return typeof total === 'number' ? total : null;
  },
};

async function listOnce<T>(
  client: DoClient,
  path: string,
  key: string,
  query: Record<string, string | number>,
  priority: RequestPriority,
  pager: Pager,
): Promise<{ items: T[]; consistent: boolean }> {
  const items: T[] = [];
  let lastTotal: number | null = null;
  let shrank = false;
  let page = 1;
  for (let fetched = 0; fetched < MAX_PAGES; fetched++) {
    const res = await client.request<Record<string, unknown>>({
      method: 'GET',
      path,
      query: { ...query, per_page: pager.perPage, page },
      priority,
    });
    const batch = res.body[key];
    if (!Array.isArray(batch))
      throw new ProviderError(`GET ${path}: response has no "${key}" array`, { retryable: true });
    items.push(...(batch as T[]));
    const total = pager.total(res.body);
    if (total !== null) {
      if (lastTotal !== null && total < lastTotal) shrank = true;
      lastTotal = total;
    }
    const next = pager.next(res.body);
    if (next === null) return { items, consistent: !shrank };
    if (next <= page) throw new ProviderError(`GET ${path}: pagination went backwards (${page} → ${next})`);
    page = next;
  }
  throw new ProviderError(`GET ${path}: more than ${MAX_PAGES} pages`);
}

/** The `page` query parameter of `links.pages.next`, or null on the last page. */
export function nextPage(links: DoLinks | undefined): number | null {
  const next = links?.pages?.next;
  if (!next) return null;
  let raw: string | null;
  try {
    raw = new URL(next, 'https://placeholder.invalid').searchParams.get('page');
  } catch {
    raw = null;
  }
  const page = Number(raw);
  if (!Number.isInteger(page) || page < 1) throw new ProviderError(`unreadable next-page link: ${next}`);
  return page;
}
