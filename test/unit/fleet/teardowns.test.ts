import { describe, expect, it } from 'vitest';
import { Teardowns } from '../../../src/fleet/teardowns.js';

/** A promise resolved from outside: a delete the test decides the outcome of. */
function pending<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

describe('Teardowns: one delete per row at a time, and which rows were tried here unconfirmed', () => {
  it('a second teardown of a row joins the one in flight (one attempt) and gets its answer', async () => {
    const t = new Teardowns();
    const gate = pending<boolean>();
    let attempts = 0;
    const attempt = () => {
      attempts++;
      return gate.promise;
    };
    const first = t.run('a', attempt);
    const second = t.run('a', attempt);
    gate.resolve(true);
    expect(await Promise.all([first, second])).toEqual([true, true]);
    expect(attempts).toBe(1);
    // Done: the next teardown is a new attempt.
    await t.run('a', () => {
      attempts++;
      return Promise.resolve(true);
    });
    expect(attempts).toBe(2);
  });

  it('remembers rows whose latest attempt was not confirmed, forgets them once one is', async () => {
    const t = new Teardowns();
    await t.run('a', () => Promise.resolve(false));
    await t.run('b', () => Promise.resolve(true));
    expect([...t.unconfirmedIds()]).toEqual(['a']);
    await t.run('a', () => Promise.resolve(true));
    expect([...t.unconfirmedIds()]).toEqual([]);
  });

  it('remembers a bounded number, the oldest forgotten first', async () => {
    const t = new Teardowns(2);
    for (const id of ['a', 'b', 'c']) await t.run(id, () => Promise.resolve(false));
    expect([...t.unconfirmedIds()]).toEqual(['b', 'c']);
  });
});
