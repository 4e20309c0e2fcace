import { describe, expect, it } from 'vitest';
import { listAll } from '../../../src/providers/digitalocean/paginate.js';
import type { DoClient } from '../../../src/providers/digitalocean/do-client.js';
import { ProviderError } from '../../../src/providers/provider.js';

/**
 * Offset pages over a collection that changes between requests (a fake client over an array,
 * answering like DigitalOcean: `links.pages.next` and `meta.total`). A delete on page 1 while
 * page 2 is read shifts an item out of sight; the reconciler would take it for a lost machine.
 */
function pagedClient(all: number[], onPage: (page: number, call: number) => void) {
  let calls = 0;
  const client = {
    async request({ query }: { query: { page: number; per_page: number } }) {
      calls++;
      onPage(query.page, calls);
      const start = (query.page - 1) * query.per_page;
      const items = all.slice(start, start + query.per_page).map((id) => ({ id }));
      const more = start + query.per_page < all.length;
      return {
        status: 200,
        body: {
          droplets: items,
          meta: { total: all.length },
          links: more ? { pages: { next: `https://x/v2/droplets?page=${query.page + 1}` } } : {},
        },
      };
    },
  };
  return { client: client as unknown as DoClient, calls: () => calls };
}

describe('listAll over a collection that changes while it is listed', () => {
  it('reads again when the total moved between pages, and returns every item still there', async () => {
    const all = Array.from({ length: 250 }, (_, i) => i);
    // After the first page of the first listing, 5 items on page 1 are deleted.
    const { client, calls } = pagedClient(all, (page, call) => {
      if (page === 2 && call === 2) all.splice(0, 5);
    });
    const items = await listAll<{ id: number }>(client, '/v2/droplets', 'droplets', {});
    expect(items.map((d) => d.id)).toEqual(all); // 245 left, none missing
    expect(calls()).toBe(4); // two pages, twice
  });

  it('fails retryably, rather than answer with a hole, when the collection keeps changing', async () => {
    const all = Array.from({ length: 450 }, (_, i) => i);
    const { client } = pagedClient(all, (page) => {
      if (page === 2) all.splice(0, 1);
    });
    const err = await listAll(client, '/v2/droplets', 'droplets', {}).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(ProviderError);
    expect((err as ProviderError).opts.retryable).toBe(true);
    expect((err as Error).message).toMatch(/kept changing/);
  });

  it('items created while listing (appended at the end) need no second read', async () => {
    const all = Array.from({ length: 250 }, (_, i) => i);
    const { client, calls } = pagedClient(all, (page) => {
      if (page === 2) all.push(all.length);
    });
    const items = await listAll<{ id: number }>(client, '/v2/droplets', 'droplets', {});
    expect(items.map((d) => d.id)).toEqual(Array.from({ length: 251 }, (_, i) => i));
    expect(calls()).toBe(2);
  });

  it('one page is a snapshot: no second read', async () => {
    const all = Array.from({ length: 50 }, (_, i) => i);
    const { client, calls } = pagedClient(all, () => {});
    expect(await listAll(client, '/v2/droplets', 'droplets', {})).toHaveLength(50);
    expect(calls()).toBe(1);
  });
});
