import { headline } from './cost-report.js';
import { spread, type ScenarioAcrossSeeds } from './cost-seeds.js';

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * One panel per scenario: instant share (y) against billed/played (x), up and left is better.
 * Each policy is a point at its median over the seeds, with whiskers from the lowest to the
 * highest seed on both axes.
 */
export function costSvg(reports: readonly ScenarioAcrossSeeds[]): string {
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
      `<circle r="4" cx="230" cy="-4" fill="#1f6fd1"/><text x="238" y="0">forecast (POOL_TARGET_INSTANT = p)</text>` +
      `<text x="480" y="0">median over the seeds, whiskers their range; up and to the left is better</text></g>`,
    '</svg>',
  ].join('\n');
}

interface Point {
  policy: 'fixed' | 'forecast';
  param: number;
  x: { median: number; min: number; max: number };
  y: { median: number; min: number; max: number };
}

function panel(
  sc: ScenarioAcrossSeeds,
  x0: number,
  W: number,
  H: number,
  m: { l: number; r: number; t: number; b: number },
): string {
  const pts: Point[] = sc.policies
    .filter((p) => p.bySeed.length > 0)
    .map((p) => {
      const h = p.bySeed.map((x) => headline(sc, x.result));
      return {
        policy: p.policy,
        param: p.param,
        x: spread(h.map((v) => v.ratio)),
        y: spread(h.map((v) => v.instant * 100)),
      };
    });
  const xs = pts.flatMap((p) => [p.x.min, p.x.max]);
  const ys = pts.map((p) => p.y.min);
  const xMin = Math.min(...xs);
  const xMax = Math.max(...xs);
  const padX = Math.max(0.02, (xMax - xMin) * 0.08);
  const [x0v, x1v] = [xMin - padX, xMax + padX];
  const yMin = Math.max(0, Math.floor((Math.min(...ys) - 5) / 10) * 10);
  const [y0v, y1v] = [yMin, 100];
  const px = (v: number) => x0 + m.l + ((v - x0v) / (x1v - x0v)) * (W - m.l - m.r);
  const py = (v: number) => m.t + (1 - (v - y0v) / (y1v - y0v)) * (H - m.t - m.b);
  const f = (v: number) => v.toFixed(1);
  const out: string[] = [
    `<g>`,
    `<text x="${x0 + W / 2}" y="18" text-anchor="middle" font-weight="bold" font-size="13">${esc(sc.name)} (${sc.seeds.length} seeds)</text>`,
    `<text x="${x0 + W / 2}" y="34" text-anchor="middle" fill="#444">${esc(sc.title.length > 70 ? `${sc.title.slice(0, 68)}…` : sc.title)}</text>`,
    `<rect x="${x0 + m.l}" y="${m.t}" width="${W - m.l - m.r}" height="${H - m.t - m.b}" fill="none" stroke="#ccc"/>`,
  ];
  for (let k = 0; k <= 4; k++) {
    const yv = y0v + ((y1v - y0v) * k) / 4;
    const xv = x0v + ((x1v - x0v) * k) / 4;
    out.push(`<line x1="${x0 + m.l}" x2="${x0 + W - m.r}" y1="${py(yv)}" y2="${py(yv)}" stroke="#eee"/>`);
    out.push(`<text x="${x0 + m.l - 4}" y="${py(yv) + 4}" text-anchor="end">${yv.toFixed(0)}%</text>`);
    out.push(`<text x="${px(xv)}" y="${H - m.b + 14}" text-anchor="middle">${xv.toFixed(2)}</text>`);
  }
  out.push(
    `<text x="${x0 + m.l + (W - m.l - m.r) / 2}" y="${H - 10}" text-anchor="middle">billed droplet-s / played session-s</text>`,
    `<text transform="translate(${x0 + 14},${m.t + (H - m.t - m.b) / 2}) rotate(-90)" text-anchor="middle">starts served at once</text>`,
  );
  for (const [policy, color] of [
    ['fixed', '#888'],
    ['forecast', '#1f6fd1'],
  ] as const) {
    const series = pts.filter((p) => p.policy === policy);
    if (series.length > 1)
      out.push(
        `<polyline fill="none" stroke="${color}" stroke-width="1.5" points="${series.map((p) => `${f(px(p.x.median))},${f(py(p.y.median))}`).join(' ')}"/>`,
      );
    for (const p of series) {
      const [cx, cy] = [px(p.x.median), py(p.y.median)];
      out.push(
        `<line x1="${f(px(p.x.min))}" x2="${f(px(p.x.max))}" y1="${f(cy)}" y2="${f(cy)}" stroke="${color}" stroke-opacity="0.6"/>`,
        `<line x1="${f(cx)}" x2="${f(cx)}" y1="${f(py(p.y.min))}" y2="${f(py(p.y.max))}" stroke="${color}" stroke-opacity="0.6"/>`,
        `<circle cx="${f(cx)}" cy="${f(cy)}" r="4" fill="${color}"/>`,
        `<text x="${f(cx + 6)}" y="${f(cy + (policy === 'fixed' ? 12 : -6))}" fill="${color}">${p.param}</text>`,
      );
    }
  }
  out.push('</g>');
  return out.join('\n');
}
