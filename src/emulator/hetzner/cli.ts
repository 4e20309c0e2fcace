import { pino } from 'pino';
import { closeOnSignal, parseEmulatorArgs } from '../cli.js';
import { startHetznerEmulator, type HetznerEmulatorOptions } from './index.js';

export const HETZNER_EMULATOR_HELP = `game-orchestrator hcloud-emulator [flags]

Runs a Hetzner Cloud API v1 emulator on 127.0.0.1 (nothing leaves the machine).
Point the orchestrator's HCLOUD_API_URL at the printed URL (with PROVIDER=hetzner; any
HCLOUD_TOKEN is accepted unless --token is given). Control API: /_emulator/{faults,state,requests,reset}.
Its game snapshot is image 310000001 (HCLOUD_IMAGE=310000001).

  --port <p> --host <addr>   where to listen (default 127.0.0.1, any free port)
  --boot-delay-ms <ms>       create -> running (default 3000)
  --token <t>                accept only this bearer token (default: any)
  --droplet-limit <n>        the project's server limit (default 25)
  --rate-limit-per-hour <n>  the project's budget, refilled 1/s (default 3600)
  --error-rate, --slow-rate, --slow-ms, --drop-rate, --lost-create-rate, --create-error-rate,
  --list-lag-ms, --delete-lag-ms, --burst-429, --seed, --log   as for do-emulator`;

/** Parses `hcloud-emulator` flags (do-emulator's, where they mean something here); null for --help. */
export function parseHetznerEmulatorArgs(argv: string[]): HetznerEmulatorOptions | null {
  const o = parseEmulatorArgs(argv);
  if (o === null) return null;
  const out: HetznerEmulatorOptions = {
    port: o.port,
    host: o.host,
    bootDelayMs: o.bootDelayMs,
    token: o.token,
    serverLimit: o.dropletLimit,
    rateLimitPerHour: o.rateLimitPerHour,
    seed: o.seed,
    faults: o.faults,
  };
  return Object.fromEntries(Object.entries(out).filter(([, v]) => v !== undefined));
}

/** `game-orchestrator hcloud-emulator`: prints its URL on stdout, runs until SIGINT or SIGTERM. */
export async function runHetznerEmulatorCli(argv: string[]): Promise<void> {
  const opts = parseHetznerEmulatorArgs(argv);
  if (opts === null) {
    console.log(HETZNER_EMULATOR_HELP);
    return;
  }
  const logger = argv.includes('--log') ? pino({ name: 'hcloud-emulator' }) : false;
  const emulator = await startHetznerEmulator({ ...opts, logger });
  console.log(emulator.url);
  console.error(
    `Hetzner Cloud API emulator at ${emulator.url} (token: ${opts.token ? 'required' : 'any'})\n` +
      `Run the orchestrator with PROVIDER=hetzner HCLOUD_API_URL=${emulator.url} HCLOUD_IMAGE=310000001`,
  );
  closeOnSignal(emulator);
}
