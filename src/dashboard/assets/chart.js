// @ts-check
// The last 24 hours by region, as a chart: sessions started, servers alive and spend per hour.
// Plain SVG built with DOM calls (the page's Content-Security-Policy allows no inline script or style).

const SVG = 'http://www.w3.org/2000/svg';
const W = 720;
const H = 200;
const PAD = { left: 44, right: 12, top: 12, bottom: 26 };
/** Enough distinct hues for a fleet's regions; they repeat past eight. */
const COLOURS = ['#4f46e5', '#06b6d4', '#f79009', '#12b76a', '#d92d20', '#9e77ed', '#667085', '#ee46bc'];

/** @typedef {{ region: string, sessionsStarted: number[], servers: number[], usd: number[] }} RegionHours */
/** @typedef {{ hourStartMs: number[], regions: RegionHours[] }} DayShape */
/** @typedef {'sessionsStarted' | 'servers' | 'usd'} Metric */

export const METRICS = /** @type {const} */ ({
  sessionsStarted: 'Sessions started / h',
  servers: 'Servers (most alive at once)',
  usd: 'Spend / h',
});

/**
 * @param {string} tag
 * @param {Record<string, string | number>} attrs
 * @param {(Node | string)[]} [children]
 */
function svg(tag, attrs, children = []) {
  const e = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, String(v));
  for (const c of children) e.append(c);
  return e;
}

/** A round step for about four grid lines up to `max`. @param {number} max */
function niceStep(max) {
  const raw = max / 4;
  const p = 10 ** Math.floor(Math.log10(raw));
  return [1, 2, 5, 10].map((m) => m * p).find((s) => s >= raw) ?? raw;
}

/**
 * A value as the axis and the legend show it: as many decimals as the grid's step needs.
 * @param {Metric} metric @param {number} v @param {number} step
 */
function label(metric, v, step) {
  const decimals = Math.min(4, Math.max(0, -Math.floor(Math.log10(step))));
  return metric === 'usd' ? `$${v.toFixed(Math.max(2, decimals))}` : v.toFixed(decimals);
}

/**
 * Draws one metric of the day, a line per region (or only `only` when set), into `host`.
 * @param {HTMLElement} host
 * @param {DayShape | null | undefined} day
 * @param {Metric} metric
 * @param {string} only a region, or '' for all
 */
export function renderDayChart(host, day, metric, only) {
  if (!day || day.hourStartMs.length === 0) {
    host.replaceChildren(
      Object.assign(document.createElement('p'), { className: 'empty', textContent: 'No history yet.' }),
    );
    return;
  }
  const regions = day.regions.filter((r) => !only || r.region === only);
  const n = day.hourStartMs.length;
  const max = Math.max(0, ...regions.flatMap((r) => r[metric]));
  const step = max > 0 ? niceStep(max) : 1;
  const top = Math.max(step, Math.ceil(max / step) * step);
  const x = (/** @type {number} */ i) => PAD.left + (i * (W - PAD.left - PAD.right)) / Math.max(1, n - 1);
  const y = (/** @type {number} */ v) => PAD.top + (1 - v / top) * (H - PAD.top - PAD.bottom);

  const grid = [];
  for (let v = 0; v <= top + step / 2; v += step) {
    grid.push(svg('line', { x1: PAD.left, x2: W - PAD.right, y1: y(v), y2: y(v), class: 'grid' }));
    grid.push(
      svg('text', { x: PAD.left - 6, y: y(v) + 4, 'text-anchor': 'end', class: 'tick' }, [label(metric, v, step)]),
    );
  }
  for (let i = 0; i < n; i += 6) {
    const hour = new Date(day.hourStartMs[i] ?? 0).toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
    grid.push(svg('text', { x: x(i), y: H - 6, 'text-anchor': 'middle', class: 'tick' }, [hour]));
  }
  const lines = regions.map((r) => {
    const colour = COLOURS[day.regions.indexOf(r) % COLOURS.length] ?? COLOURS[0];
    const points = r[metric].map((v, i) => `${x(i).toFixed(1)},${y(v).toFixed(1)}`).join(' ');
    return svg('polyline', { points, fill: 'none', stroke: colour, 'stroke-width': 2, 'data-region': r.region }, [
      svg('title', {}, [`${r.region}: ${METRICS[metric]}`]),
    ]);
  });
  const chart = svg(
    'svg',
    { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${METRICS[metric]} over the last ${n} hours, by region` },
    [...grid, ...lines],
  );
  const legend = document.createElement('ul');
  legend.className = 'legend';
  for (const r of regions) {
    const li = document.createElement('li');
    const swatch = document.createElement('span');
    swatch.className = `swatch c${day.regions.indexOf(r) % COLOURS.length}`;
    const total = r[metric].reduce((a, b) => a + b, 0);
    li.append(
      swatch,
      `${r.region} `,
      Object.assign(document.createElement('span'), {
        className: 'muted',
        textContent:
          metric === 'servers'
            ? `peak ${label(metric, Math.max(...r.servers), step)}`
            : `${label(metric, total, metric === 'sessionsStarted' ? 1 : step)} in ${n} h`,
      }),
    );
    legend.append(li);
  }
  if (regions.length === 0)
    legend.append(
      Object.assign(document.createElement('li'), {
        className: 'muted',
        textContent: 'Nothing in this region in the last day.',
      }),
    );
  host.replaceChildren(chart, legend);
}
