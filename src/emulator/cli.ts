import { parseArgs } from 'node:util';
import { pino } from 'pino';
import { startEmulator, type EmulatorOptions, type Faults } from './index.js';

export const EMULATOR_HELP = `game-orchestrator do-emulator [flags]

Runs a DigitalOcean API v2 emulator on 127.0.0.1 (nothing leaves the machine).
Point the orchestrator's DO_API_URL at the printed URL (with PROVIDER=digitalocean; any
DIGITALOCEAN_TOKEN is accepted unless --token is given). Control API: /_emulator/{faults,state,requests,reset}.

  --port <p>                 port (default 0: any free port)
  --host <addr>              listen address (default 127.0.0.1)
  --boot-delay-ms <ms>       create -> active (default 3000)
  --action-delay-ms <ms>     power actions in progress (default: boot delay)
  --token <t>                accept only this bearer token (default: any)
  --droplet-limit <n>        account droplet limit (default 25)
  --rate-limit-per-hour <n>  sliding hourly limit per token (default 5000)
  --burst-per-minute <n>     burst limit per token (default 250)
  --error-rate <r>           share of responses that are 500/502/503/504
  --slow-rate <r> --slow-ms <ms>   share of slow responses and their delay
  --drop-rate <r>            share of connections dropped without an answer
  --lost-create-rate <r>     share of creates that succeed but never answer 202
  --create-error-rate <r>    share of creates whose action errors (droplet vanishes)
  --list-lag-ms <ms>         new droplets missing from lists for this long
  --delete-lag-ms <ms>       deleted droplets still visible for this long
  --burst-429 <n>            the next n requests get 429
  --seed <n>                 RNG seed for reproducible faults
  --log                      log requests (JSON, to stdout)`;

const OPTIONS = {
  port: { type: 'string' },
  host: { type: 'string' },
  'boot-delay-ms': { type: 'string' },
  'action-delay-ms': { type: 'string' },
  token: { type: 'string' },
  'droplet-limit': { type: 'string' },
  'rate-limit-per-hour': { type: 'string' },
  'burst-per-minute': { type: 'string' },
  'error-rate': { type: 'string' },
  'slow-rate': { type: 'string' },
  'slow-ms': { type: 'string' },
  'drop-rate': { type: 'string' },
  'lost-create-rate': { type: 'string' },
  'create-error-rate': { type: 'string' },
  'list-lag-ms': { type: 'string' },
  'delete-lag-ms': { type: 'string' },
  'burst-429': { type: 'string' },
  seed: { type: 'string' },
  log: { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** Fault flags and the Faults key each sets. */
const FAULT_FLAGS: readonly (readonly [string, keyof Faults])[] = [
  ['error-rate', 'errorRate'],
  ['slow-rate', 'slowRate'],
  ['slow-ms', 'slowMs'],
  ['drop-rate', 'dropRate'],
  ['lost-create-rate', 'lostCreateRate'],
  ['create-error-rate', 'createErrorRate'],
  ['list-lag-ms', 'listLagMs'],
  ['delete-lag-ms', 'deleteLagMs'],
  ['burst-429', 'burst429'],
];

/** Parses `do-emulator` flags into options; throws an Error naming a bad flag. Null for --help. */
export function parseEmulatorArgs(argv: string[]): EmulatorOptions | null {
  const { values } = parseArgs({ args: argv, options: OPTIONS, strict: true, allowPositionals: false });
  if (values.help) return null;
  const num = (flag: keyof typeof OPTIONS): number | undefined => {
    const raw = values[flag];
    if (raw === undefined || typeof raw === 'boolean') return undefined;
    const n = Number(raw);
    if (raw.trim() === '' || !Number.isFinite(n)) throw new Error(`--${flag} must be a number, got "${raw}"`);
    return n;
  };
  const faults: Partial<Faults> = {};
  for (const [flag, key] of FAULT_FLAGS) {
    const n = num(flag as keyof typeof OPTIONS);
    if (n !== undefined) faults[key] = n;
  }
  const opts: EmulatorOptions = {
    port: num('port') ?? 0,
    host: values.host ?? '127.0.0.1',
    bootDelayMs: num('boot-delay-ms'),
    actionDelayMs: num('action-delay-ms'),
    token: values.token,
    dropletLimit: num('droplet-limit'),
    rateLimitPerHour: num('rate-limit-per-hour'),
    burstPerMinute: num('burst-per-minute'),
    seed: num('seed'),
    faults,
  };
  return Object.fromEntries(Object.entries(opts).filter(([, v]) => v !== undefined));
}

/**
 * `game-orchestrator do-emulator`: starts the emulator, prints its URL on stdout and keeps
 * running until SIGINT or SIGTERM, when it closes and exits the process.
 */
export async function runEmulatorCli(argv: string[]): Promise<void> {
  const opts = parseEmulatorArgs(argv);
  if (opts === null) {
    console.log(EMULATOR_HELP);
    return;
  }
  const logger = argv.includes('--log') ? pino({ name: 'do-emulator' }) : false;
  const emulator = await startEmulator({ ...opts, logger });
  console.log(emulator.url);
  console.error(
    `DigitalOcean API emulator at ${emulator.url} (token: ${opts.token ? 'required' : 'any'}; control: ${emulator.url}/_emulator/state)\n` +
      `Run the orchestrator with PROVIDER=digitalocean DO_API_URL=${emulator.url}`,
  );
  closeOnSignal(emulator);
}

/** On SIGINT or SIGTERM: close the emulator, then exit (1 when closing failed). */
export function closeOnSignal(emulator: { close(): Promise<void> }): void {
  const stop = (): void => {
    emulator.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
}
