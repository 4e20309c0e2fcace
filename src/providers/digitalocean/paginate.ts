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
): Promise<T[]> {
  const items: T[] = [];
  let page = 1;
  for (let fetched = 0; fetched < MAX_PAGES; fetched++) {
    const res = await client.request<Record<string, unknown> & { links?: DoLinks }>({
      method: 'GET',
      path,
      query: { ...query, per_page: MAX_PER_PAGE, page },
      priority,
    });
    const batch = res.body[key];
    if (!Array.isArray(batch)) throw new ProviderError(`GET ${path}: response has no "${key}" array`, { retryable: true });
    items.push(...(batch as T[]));
    const next = nextPage(res.body.links);
    if (next === null) return items;
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
