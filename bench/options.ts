import path from 'node:path';
import { parseArgs } from 'node:util';

/** What one `npm run bench` does, from its arguments and environment. */
export interface BenchOptions {
  repoRoot: string;
  /** Seconds each measured run lasts. */
  durationS: number;
  /** Times each case runs (each run is its own row). */
  rounds: number;
  connections: number;
  /** Compile `dist/` first so the numbers are of the production build. */
  build: boolean;
  scale: boolean;
  /** Only the scale case (no load cases, no results file): for working on the reconciler. */
  scaleOnly: boolean;
  /** Only these cases (and the baseline); null = all. A partial run prints and writes no results file. */
  cases: string[] | null;
  /** Cold starts on the emulator (about a minute). */
  coldStart: boolean;
  /** Only the cold-start case (printed, no results file). */
  coldStartOnly: boolean;
  /** Profile the cases that miss their target. */
  profile: boolean;
  /** Also measure join with request logging on (LOG_LEVEL=info). */
  logCost: boolean;
  /** Where results/<date>.json and .md go. */
  resultsDir: string;
  /**
   * A git ref of an earlier build to measure side by side with this one (`--baseline-ref`):
   * join, heartbeat and start against both builds in the same run, slices paired. Null: off.
   */
  baselineRef: string | null;
  /** Environment handed to children (PATH, HOME). */
  childEnv: Record<string, string>;
}

const USAGE = `npm run bench -- [--quick] [--no-build] [--no-scale] [--no-profile] [--no-log-cost]
  --quick         2 s per run instead of BENCH_DURATION_S (default 10)
  --no-build      use dist/ as it is (or the TypeScript sources when there is no dist/)
  --no-scale      skip the 10,000-server reconcile pass
  --scale-only    only the 10,000-server reconcile pass (printed, no results file)
  --cases a,b     only these cases (the baseline always runs); prints, writes no results file
  --no-cold-start skip the 20 cold starts on the DigitalOcean emulator
  --cold-start-only  only the cold starts (printed, no results file)
  --no-profile    skip profiling the cases that miss their target
  --no-log-cost   skip the extra join run with request logging on
  --rounds <n>    runs per case (default 2); a side-by-side run on a busy machine wants more
  --baseline-ref <git-ref>  build that commit too and measure join, heartbeat and start (or --cases
                  among them) against both builds in the same run, slices paired; prints the
                  this/baseline ratios per round and per case; with all three cases it writes
                  bench/results/side-by-side-<date>.json and .md`;

/** Parses the bench's flags; the only place the bench reads its environment. */
export function benchOptions(
  argv: string[],
  env: Readonly<Record<string, string | undefined>>,
  repoRoot: string,
): BenchOptions {
  const { values } = parseArgs({
    args: argv,
    options: {
      quick: { type: 'boolean', default: false },
      'no-build': { type: 'boolean', default: false },
      'no-scale': { type: 'boolean', default: false },
      'scale-only': { type: 'boolean', default: false },
      'no-cold-start': { type: 'boolean', default: false },
      cases: { type: 'string' },
      'cold-start-only': { type: 'boolean', default: false },
      'no-profile': { type: 'boolean', default: false },
      'no-log-cost': { type: 'boolean', default: false },
      'baseline-ref': { type: 'string' },
      rounds: { type: 'string', default: '2' },
      help: { type: 'boolean', default: false },
    },
  });
  if (values.help) {
    console.log(USAGE);
    process.exit(0);
  }
  const fromEnv = Number(env.BENCH_DURATION_S ?? '10');
  if (!Number.isFinite(fromEnv) || fromEnv <= 0)
    throw new Error(`BENCH_DURATION_S must be a positive number of seconds, got ${env.BENCH_DURATION_S}`);
  const rounds = Number(values.rounds);
  if (!Number.isInteger(rounds) || rounds < 1)
    throw new Error(`--rounds must be a whole number of at least 1, got ${values.rounds}`);
  return {
    repoRoot,
    durationS: values.quick ? 2 : fromEnv,
    rounds,
    connections: 50,
    build: !values['no-build'],
    scale: !values['no-scale'],
    scaleOnly: values['scale-only'],
    cases: values.cases
      ? values.cases
          .split(',')
          .map((c) => c.trim())
          .filter(Boolean)
      : null,
    coldStart: !values['no-cold-start'],
    coldStartOnly: values['cold-start-only'],
    profile: !values['no-profile'],
    logCost: !values['no-log-cost'] && (!values.cases || values.cases.split(',').includes('join+log')),
    baselineRef: values['baseline-ref']?.trim() || null,
    resultsDir: path.join(repoRoot, 'bench/results'),
    childEnv: { PATH: env.PATH ?? '', HOME: env.HOME ?? '/tmp' },
  };
}
