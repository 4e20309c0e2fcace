import { readFileSync } from 'node:fs';
import path from 'node:path';
import { expect, it } from 'vitest';
import { serviceNodeFlags } from '../../bench/build.js';

const ROOT = path.resolve(import.meta.dirname, '../..');

/**
 * The service runs with a young generation of 8 MiB semi-spaces. V8's default (16 MiB) made a
 * scavenge during a 10,000-row reconcile pass copy so many live rows that it stopped the event
 * loop for 10–25 ms (bench scale case); 4 MiB bounded it at 6–9 ms but scavenged so often that
 * GC took 21% of a heartbeat's CPU (7% at 16 MiB). 8 MiB, with 2 ms reconcile slices, keeps
 * the pass under 20 ms. `npm start`, the container's entry point and the bench (which reads
 * npm start's flags) must agree.
 */
it('npm start and the container entry point run node with the same flags, the semi-space bound among them', () => {
  const flags = serviceNodeFlags(ROOT);
  expect(flags).toContain('--max-semi-space-size=8');
  const entry = readFileSync(path.join(ROOT, 'entrypoint'), 'utf8');
  const exec = /^exec node (.*) dist\/main\.js "\$@"$/m.exec(entry);
  expect(exec?.[1]?.split(/\s+/)).toEqual(flags);
});
