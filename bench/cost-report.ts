import type { CostRunResult } from './cost-results.js';

/** DigitalOcean's per-token API limits. */
export const API_LIMITS = { perMinute: 250, perHour: 5000 };

export interface PolicyRun {
  label: string;
  policy: 'fixed' | 'forecast';
  /** Pool size (fixed) or POOL_TARGET_INSTANT (forecast). */
  param: number;
  result: CostRunResult;
}

export interface ScenarioReport {
  name: 'steady' | 'cold' | 'day' | 'burst';
  title: string;
  /** 'window': starts and billing within the measured window (steady state); 'run': the whole run. */
  measured: 'window' | 'run';
  sessions: number;
  maxServers: number;
  bootS: number;
  recycleFixed: boolean;
  runs: PolicyRun[];
}

/** The two numbers a studio weighs, as the scenario measures them. */
export function headline(
  sc: Pick<ScenarioReport, 'measured'>,
  r: CostRunResult,
): { instant: number; ratio: number; starts: number; served: number } {
  return sc.measured === 'window'
    ? {
        instant: r.windowInstant / Math.max(1, r.windowStarts),
        ratio: r.hourRatio,
        starts: r.windowStarts,
        served: r.windowInstant,
      }
    : { instant: r.instant / Math.max(1, r.starts), ratio: r.ratio, starts: r.starts, served: r.instant };
}

/** a is at least as good as b on both (more instant, less billed per played) and better on one. */
export function dominates(sc: Pick<ScenarioReport, 'measured'>, a: CostRunResult, b: CostRunResult): boolean {
  const x = headline(sc, a);
  const y = headline(sc, b);
  return x.instant >= y.instant && x.ratio <= y.ratio && (x.instant > y.instant || x.ratio < y.ratio);
}

const pct = (x: number) => `${(x * 100).toFixed(1)}%`;

function table(sc: ScenarioReport): string {
  const head = [
    'policy',
    'instant',
    'billed/played',
    sc.measured === 'window' ? 'whole run' : 'arrival window',
    'wait p50/p99 s',
    'waited p99 s',
    'failed',
    'droplets',
    'max live',
    'API max/min',
    'API max/h',
  ];
  if (sc.name === 'day') head.push('quiet: idle droplet-h (boots excluded)', 'quiet: max live');
  const rows = sc.runs.map(({ label, result: r }) => {
    const h = headline(sc, r);
    const row = [
      label,
      `${pct(h.instant)} (${h.served}/${h.starts})`,
      h.ratio.toFixed(3),
      (sc.measured === 'window' ? r.ratio : r.hourRatio).toFixed(3),
      `${r.waitP50S} / ${r.waitP99S}`,
      String(r.waitedP99S),
      String(r.failed),
      String(r.dropletsCreated),
      `${r.maxLiveDroplets} / ${sc.maxServers}`,
      String(r.maxApiPerMinute),
      String(r.maxApiPerHour),
    ];
    if (sc.name === 'day')
      row.push(
        `${((r.quietIdleDropletS ?? 0) / 3600).toFixed(2)} (${((r.quietHeldDropletS ?? 0) / 3600).toFixed(2)})`,
        String(r.quietMaxLive ?? 0),
      );
    return row;
  });
  const line = (cells: string[]) => `| ${cells.join(' | ')} |`;
  return [line(head), line(head.map(() => '---')), ...rows.map(line)].join('\n');
}

/** The issue's done-when checks, as lines of text. */
export function checks(sc: ScenarioReport): string[] {
  const forecast = sc.runs.filter((r) => r.policy === 'forecast');
  const out: string[] = [];
  if (sc.name === 'steady' || sc.name === 'cold') {
    for (const f of forecast) {
      const h = headline(sc, f.result);
      const ok = h.instant >= 0.95 && h.ratio <= 1.2;
      out.push(
        `${ok ? 'PASS' : 'miss'} ${f.label}: ${pct(h.instant)} instant (≥ 95%), billed/played ${h.ratio.toFixed(3)} (≤ 1.20)`,
      );
    }
  }
  if (sc.name === 'day') {
    for (const fx of sc.runs.filter((r) => r.policy === 'fixed' && r.param >= 1)) {
      const better = forecast
        .filter((f) => dominates(sc, f.result, fx.result))
        .map((f) => f.label.replace('forecast ', ''));
      const h = headline(sc, fx.result);
      out.push(
        `${better.length ? 'PASS' : 'miss'} ${fx.label} (${pct(h.instant)}, ${h.ratio.toFixed(3)}) is dominated by forecast at ${better.length ? better.join(', ') : 'no target'}`,
      );
    }
    for (const f of forecast) {
      const held = (f.result.quietHeldDropletS ?? 0) / 3600;
      out.push(
        `${held < 0.05 ? 'PASS' : 'miss'} ${f.label}: quiet hours (00:30–06:30): ${held.toFixed(3)} droplet-h idle beyond boots and hand-overs ` +
          `(${((f.result.quietIdleDropletS ?? 0) / 3600).toFixed(2)} h with boots); at most ${f.result.quietMaxLive} droplets alive, each a night start's own`,
      );
    }
  }
  if (sc.name === 'burst') {
    for (const f of forecast) {
      const r = f.result;
      const ok =
        r.failed === 0 &&
        r.waitP99S <= sc.bootS + 10 &&
        r.maxLiveDroplets <= sc.maxServers &&
        r.maxApiPerMinute <= API_LIMITS.perMinute &&
        r.maxApiPerHour <= API_LIMITS.perHour;
      out.push(
        `${ok ? 'PASS' : 'miss'} ${f.label}: ${r.failed} failed, p99 wait ${r.waitP99S} s (≤ ${sc.bootS + 10}), ${r.maxLiveDroplets} live (≤ ${sc.maxServers}), ` +
          `API ${r.maxApiPerMinute}/min (≤ ${API_LIMITS.perMinute}) and ${r.maxApiPerHour}/h (≤ ${API_LIMITS.perHour})`,
      );
    }
  }
  return out;
}

export function costMarkdown(reports: readonly ScenarioReport[], billingNote: string): string {
  const parts = ['# Cost bench: the fixed pool against the forecasting pool', '', billingNote, ''];
  parts.push(
    'Instant = the start was answered with a ready server (no boot wait). The third column is the other reading of billed/played ' +
      '(the whole run, or only the arrival window). Waits are over every start of the run. ' +
      'Max live = most droplets alive at once, against MAX_SERVERS. API = most requests the emulator counted in any sliding minute / hour (DigitalOcean allows 250 / 5,000).',
    '',
  );
  for (const sc of reports) {
    const measured =
      sc.measured === 'window'
        ? 'instant and billed/played measured within the hour (steady state)'
        : 'instant and billed/played over the whole run';
    parts.push(
      `## ${sc.name}: ${sc.title}`,
      '',
      `Boots ${sc.bootS} s; fixed pools with RECYCLE_SERVERS=${sc.recycleFixed}; forecast with recycling; ${measured}.`,
      '',
      table(sc),
      '',
    );
    const c = checks(sc);
    if (c.length) parts.push(...c.map((l) => `- ${l}`), '');
  }
  return `${parts.join('\n')}\n`;
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/** One panel per scenario: instant share (y) against billed/played (x); up and left is better. */
export function costSvg(reports: readonly ScenarioReport[]): string {
  const W = 460;
  const H = 380;
  const m = { l: 56, r: 16, t: 48, b: 46 };
  const panels = reports.map((sc, i) => panel(sc, i * W, W, H, m));
  const width = Math.max(1, reports.length) * W;
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${H + 30}" viewBox="0 0 ${width} ${H + 30}" font-family="sans-serif" font-size="11">`,
    `<rect width="100%" height="100%" fill="white"/>`,
    ...panels,
    `<g transform="translate(12,${H + 18})"><circle r="4" cx="0" cy="-4" fill="#888"/><text x="8" y="0">fixed pool (POOL_MIN_READY = n)</text>` +
      `<circle r="4" cx="230" cy="-4" fill="#1f6fd1"/><text x="238" y="0">forecast (POOL_TARGET_INSTANT = p)</text><text x="480" y="0">up and to the left is better</text></g>`,
    '</svg>',
  ].join('\n');
}

function panel(
  sc: ScenarioReport,
  x0: number,
  W: number,
  H: number,
  m: { l: number; r: number; t: number; b: number },
): string {
  const pts = sc.runs.map((r) => ({ ...r, x: headline(sc, r.result).ratio, y: headline(sc, r.result).instant * 100 }));
  const xs = pts.map((p) => p.x);
  const ys = pts.map((p) => p.y);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const padX = Math.max(0.02, (xMax - xMin) * 0.08);
  const [x0v, x1v] = [xMin - padX, xMax + padX];
  const yMin = Math.max(0, Math.floor((Math.min(...ys) - 5) / 10) * 10);
  const [y0v, y1v] = [yMin, 100];
  const px = (v: number) => x0 + m.l + ((v - x0v) / (x1v - x0v)) * (W - m.l - m.r);
  const py = (v: number) => m.t + (1 - (v - y0v) / (y1v - y0v)) * (H - m.t - m.b);
  const out: string[] = [
    `<g>`,
    `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold" font-size="13">${esc(sc.name)}</text>`,
  ];
  out.push(
    `<text x="${x0 + W / 2}" y="34" text-anchor="middle" fill="#444">${esc(sc.title.length > 70 ? `${sc.title.slice(0, 68)}…` : sc.title)}</text>`,
  );
  out.push(
    `<rect x="${x0 + m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>`,
  );
  for (let k = 0; k <= 4; k++) {
    const yv = y0v + ((y1v - y0v) * k) / 4;
    const xv = x0v + ((x1v - x0v) * k) / 4;
    out.push(`<line x1="${x0 + m.l}" x2="${x0 + W - m.r}" y1="${py(yv)}" y2="${py(yv)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + m.l - 4}" y="${py(yv) + 4}" text-anchor="end">${yv.toFixed(0)}%</text>`);
    out.push(`<text x="${px(xv)}" y="${H - m.b + 14}" text-anchor="middle">${xv.toFixed(2)}</text>`);
  }
  out.push(
    `<text x="${x0 + m.l + (W - m.l - m.r) / 2}" y="${H - 10}" text-anchor="middle">billed droplet-s / played session-s</text>`,
  );
  out.push(
    `<text transform="translate(${x0 + 14},${m.t + (H - m.t - m.b) / 2}) rotate(-90)" text-anchor="middle">starts served at once</text>`,
  );
  for (const [policy, color] of [
    ['fixed', '#888'],
    ['forecast', '#1f6fd1'],
  ] as const) {
    const series = pts.filter((p) => p.policy === policy);
    if (series.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${series.map((p) => `${px(p.x).toFixed(1)},${py(p.y).toFixed(1)}`).join(' ')}"/>`,
      );
    for (const p of series) {
      out.push(`<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="4" fill="${color}"/>`);
      const label = policy === 'fixed' ? String(p.param) : String(p.param);
      out.push(
        `<text x="${(px(p.x) + 6).toFixed(1)}" y="${(py(p.y) + (policy === 'fixed' ? 12 : -6)).toFixed(1)}" fill="${color}">${esc(label)}</text>`,
      );
    }
  }
  out.push('</g>');
  return out.join('\n');
}
