import type { Config } from '../config.js';
import { runDoctor, type DoctorOptions, type DoctorReport } from './doctor.js';
import { runHetznerDoctor, type HetznerDoctorOptions } from './hetzner-doctor.js';

/**
 * `game-orchestrator doctor`: runs the checks and prints one line per check, with the fix
 * under each failure. Resolves to the exit code: 0 when every check passed, 1 otherwise.
 * The token is never printed.
 */
export async function runDoctorCli(opts: DoctorOptions, out: (line: string) => void): Promise<number> {
  const image = opts.image ?? '(unset)';
  out(`DigitalOcean doctor: ${opts.apiUrl} · region ${opts.region} · size ${opts.size} · image ${image}`);
  const report = await runDoctor(opts);
  for (const line of formatReport(report)) out(line);
  return report.ok ? 0 : 1;
}

/** `game-orchestrator doctor` with PROVIDER=hetzner: the same report for the Hetzner settings. */
export async function runHetznerDoctorCli(opts: HetznerDoctorOptions, out: (line: string) => void): Promise<number> {
  const image = opts.image ?? '(unset)';
  out(`Hetzner doctor: ${opts.apiUrl} · location ${opts.location} · server type ${opts.serverType} · image ${image}`);
  const report = await runHetznerDoctor(opts);
  for (const line of formatReport(report)) out(line);
  return report.ok ? 0 : 1;
}

/** The report as aligned table lines. */
export function formatReport(report: DoctorReport): string[] {
  const width = Math.max(...report.checks.map((c) => c.name.length), 5);
  const lines: string[] = [];
  for (const c of report.checks) {
    lines.push(`  ${c.ok ? 'PASS' : 'FAIL'}  ${c.name.padEnd(width)}  ${c.detail}`);
    if (!c.ok && c.fix) lines.push(`  ${' '.repeat(4)}  ${' '.repeat(width)}  fix: ${c.fix}`);
  }
  const passed = report.checks.filter((c) => c.ok).length;
  const total = report.checks.length;
  lines.push(report.ok ? `All ${passed} checks passed.` : `${total - passed} of ${total} checks failed.`);
  return lines;
}

/**
 * `game-orchestrator doctor` as configured: PROVIDER's doctor, and with REGION_PROVIDERS each
 * cloud's doctor for each of its regions (a fleet across clouds). With PROVIDER=local and no
 * cloud region, DigitalOcean's (the original's settings). Exit code 1 when any check failed.
 */
export async function runConfiguredDoctor(c: Config, out: (line: string) => void): Promise<number> {
  const onOther = c.regions.providers ?? {};
  const regionsOf = (name: string): string[] => c.regions.names.filter((r) => (onOther[r] ?? c.provider) === name);
  const clouds = new Set<string>([c.provider, ...Object.values(onOther)]);
  if (!clouds.has('hetzner') && !clouds.has('digitalocean')) clouds.add('digitalocean');
  let code = 0;
  if (clouds.has('digitalocean')) {
    const d = c.digitalocean;
    const regions = c.provider === 'digitalocean' || !regionsOf('digitalocean').length ? [d.region] : [];
    for (const region of [...new Set([...regions, ...regionsOf('digitalocean')])]) {
      const o = { token: d.token ?? '', apiUrl: d.apiUrl, region, size: d.size, image: d.image ?? '' };
      code = Math.max(
        code,
        await runDoctorCli({ ...o, maxServers: c.lifecycle.maxServers, requestTimeoutMs: d.requestTimeoutMs }, out),
      );
    }
  }
  if (clouds.has('hetzner')) {
    const h = c.hetzner;
    const locations = regionsOf('hetzner').length ? regionsOf('hetzner') : [h.location];
    for (const location of locations) {
      const o = { token: h.token, apiUrl: h.apiUrl, location, serverType: h.serverType, image: h.image };
      code = Math.max(code, await runHetznerDoctorCli({ ...o, requestTimeoutMs: h.requestTimeoutMs }, out));
    }
  }
  return code;
}
