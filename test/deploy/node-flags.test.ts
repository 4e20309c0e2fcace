import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/build.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The service runs with a young generation of 4 MiB semi-spaces: with V8's default (16 MiB) a
 * scavenge during a 10,000-row reconcile pass copied so many live rows that it stopped the
 * event loop for 12–23 ms (bench scale case); at 4 MiB the longest was 6–9 ms. `npm start`,
 * the container's entry point and the bench (which reads npm start's flags) must agree.
 */
it('npm start and the container entry point run node with the same flags, the semi-space bound among them', () => {
  const flags = serviceNodeFlags(ROOT);
  expect(flags).toContain('--max-semi-space-size=4');
  const entry = readFileSync(path.join(ROOT, 'entrypoint'), 'utf8');
  const exec = /^exec node (.*) dist\/main\.js "\$@"$/m.exec(entry);
  expect(exec?.[1]?.split(/\s+/)).toEqual(flags);
});
