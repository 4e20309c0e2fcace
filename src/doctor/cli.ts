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
