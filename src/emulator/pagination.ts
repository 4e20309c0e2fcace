const DEFAULT_PER_PAGE = 20;
const MAX_PER_PAGE = 200;

/** One page of a collection with DO's `links` and `meta`. */
export interface Page<T> {
  items: T[];
  links: { pages?: Record<string, string> };
  meta: { total: number };
}

/** Where the request came from, to build absolute page links on the emulator's own base URL. */
export interface PageRequest {
  /** e.g. http://127.0.0.1:4010 (no trailing slash). */
  baseUrl: string;
  /** Path without query, e.g. /v2/droplets. */
  path: string;
  /** The query as sent, in order; `page` is replaced, everything else kept. */
  query: URLSearchParams;
}

/**
 * Slices `all` by `page`/`per_page` (1-based; per_page defaults to 20, clamped to 200; bad
 * numbers fall back to the defaults) and builds `links.pages` with only the keys that make
 * sense: no first/prev on page 1, no next/last on the last page, `{}` for a single page.
 */
export function paginate<T>(all: readonly T[], req: PageRequest): Page<T> {
  const perPage = Math.min(MAX_PER_PAGE, positiveInt(req.query.get('per_page')) ?? DEFAULT_PER_PAGE);
  const page = positiveInt(req.query.get('page')) ?? 1;
  const lastPage = Math.max(1, Math.ceil(all.length / perPage));
  const items = all.slice((page - 1) * perPage, page * perPage);
  const pages: Record<string, string> = {};
  if (page > 1) {
    pages.first = pageUrl(req, 1);
    pages.prev = pageUrl(req, Math.min(page - 1, lastPage));
  }
  if (page < lastPage) {
    pages.last = pageUrl(req, lastPage);
    pages.next = pageUrl(req, page + 1);
  }
  return { items, links: Object.keys(pages).length > 0 ? { pages } : {}, meta: { total: all.length } };
}

function pageUrl(req: PageRequest, page: number): string {
  const params = new URLSearchParams();
  params.set('page', String(page));
  for (const [key, value] of req.query) if (key !== 'page') params.append(key, value);
  return `${req.baseUrl}${req.path}?${params.toString()}`;
}

function positiveInt(raw: string | null): number | undefined {
  if (raw === null || !/^\d+$/.test(raw)) return undefined;
  const n = Number(raw);
  return n >= 1 ? n : undefined;
}
