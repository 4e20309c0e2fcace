// @ts-check
import { actions, snapshot } from './actions.js';
import { renderDayChart } from './chart.js';

/** @param {string} id */
const $ = (id) => /** @type {HTMLElement} */ (document.getElementById(id));

/** @type {any} */
let state = null;
let refreshTimer = 0;
let lastEventId = 0;
/** The chart's metric and the region the page is filtered to ('' = all). */
let chartMetric = /** @type {import('./chart.js').Metric} */ ('sessionsStarted');
let regionFilter = '';

/** @param {number} usd */
const money = (usd) =>
  usd === 0 ? '$0.00' : usd >= 100 ? `$${usd.toFixed(0)}` : usd >= 0.01 ? `$${usd.toFixed(2)}` : `$${usd.toFixed(4)}`;

/**
 * How a server id is shown: its last 8 hex digits (the whole id is in the title). Ids are
 * time-ordered (UUIDv7): their first 8 hex digits are the creation time, the same for every
 * server made within about a minute; the tail is random, so it tells servers apart.
 * @param {unknown} id
 */
const serverLabel = (id) => (id ? `…${String(id).slice(-8)}` : '—');

/** @param {number} ms */
function ago(ms) {
  const s = Math.max(0, Math.round(ms / 1000));
  if (s < 60) return `${s}s`;
  const m = Math.floor(s / 60);
  if (m < 60) return `${m}m ${s % 60}s`;
  const h = Math.floor(m / 60);
  return h < 48 ? `${h}h ${m % 60}m` : `${Math.floor(h / 24)}d ${h % 24}h`;
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node | string)[]} [children]
 */
function el(tag, attrs = {}, children = []) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  for (const c of children) e.append(c);
  return e;
}

/** @param {string} s */
const badge = (s) => el('span', { class: `badge s-${s}` }, [s]);

/** @param {string} text @param {boolean} [bad] */
function toast(text, bad = false) {
  const t = $('toast');
  t.textContent = text;
  t.className = bad ? 'show bad' : 'show';
  setTimeout(() => (t.className = ''), 3500);
}

/**
 * Asks before acting; resolves with the form's values, or null when cancelled.
 * @param {{ title: string, text: string, ok: string, fields?: { name: string, label: string, value: number }[], run: (v: Record<string, number>) => Promise<unknown> }} o
 */
function confirmThen(o) {
  const dlg = /** @type {HTMLDialogElement} */ ($('confirm'));
  $('confirm-title').textContent = o.title;
  $('confirm-text').textContent = o.text;
  $('confirm-ok').textContent = o.ok;
  $('confirm-error').textContent = '';
  const fields = $('confirm-fields');
  fields.replaceChildren(
    ...(o.fields ?? []).map((f) =>
      el('label', { class: 'field' }, [
        f.label,
        el('input', { type: 'number', min: '0', step: '1', name: f.name, value: String(f.value), required: '' }),
      ]),
    ),
  );
  dlg.returnValue = '';
  dlg.showModal();
  dlg.onclose = async () => {
    if (dlg.returnValue !== 'ok') return;
    /** @type {Record<string, number>} */
    const values = {};
    for (const input of fields.querySelectorAll('input')) values[input.name] = Number(input.value);
    try {
      await o.run(values);
      toast(`${o.ok}: done`);
      scheduleRefresh(0);
    } catch (err) {
      toast(`${o.ok} failed: ${err instanceof Error ? err.message : err}`, true);
    }
  };
}

/** The rows of the region the page is filtered to (all when none is chosen). @param {any[]} rows */
const inRegion = (rows) => (regionFilter ? rows.filter((r) => r.region === regionFilter) : rows);

function renderCards() {
  const s = state;
  const byState = /** @type {Record<string, number>} */ ({});
  for (const srv of s.servers) byState[srv.state] = (byState[srv.state] ?? 0) + 1;
  $('k-servers').textContent = String(s.servers.length);
  $('k-servers-sub').textContent =
    Object.entries(byState)
      .map(([k, v]) => `${v} ${k}`)
      .join(' · ') || 'none running';
  const active = s.sessions.filter((/** @type {any} */ x) => x.state === 'active').length;
  $('k-sessions').textContent = String(s.sessions.length);
  $('k-sessions-sub').textContent = `${active} active · ${s.sessions.length - active} waiting`;
  $('k-pool').textContent = `${s.pool.idle} / ${s.pool.target}`;
  $('k-pool-sub').textContent =
    `idle / target · ${s.pool.coming} coming · min ${s.pool.minReady}, buffer ${s.pool.buffer}, cap ${s.pool.maxServers}`;
  // The pool per region (one line each; none with a single region: the line above is its pool).
  const regions = s.pool.regions ?? [];
  $('k-pool-regions').replaceChildren(
    ...(regions.length > 1 ? regions : []).map((/** @type {any} */ r) => {
      const li = document.createElement('li');
      li.dataset.region = r.region;
      li.textContent = `${r.region}: ${r.idle} / ${r.target} · ${r.coming} coming · min ${r.minReady}, buffer ${r.buffer}, cap ${r.maxServers}`;
      return li;
    }),
  );
  $('k-spend').textContent = s.costs ? money(s.costs.todayUsd) : '–';
  $('k-spend-sub').textContent = s.costs
    ? s.costs.hourlyUsd > 0
      ? `${money(s.costs.hourlyUsd)}/h per ${s.costs.size}`
      : 'local servers are free'
    : 'prices unavailable';
  const r = s.reconciler;
  const paused = r?.outage?.paused;
  $('k-reconciler').textContent =
    !r || r.lastPassAtMs === null ? 'idle' : paused ? 'paused' : r.lastError ? 'error' : 'ok';
  $('k-reconciler').dataset.tone = paused || r?.lastError ? 'bad' : 'good';
  $('k-reconciler-sub').textContent =
    !r || r.lastPassAtMs === null
      ? 'no pass on this replica yet'
      : `last pass ${ago(s.nowMs - r.lastPassAtMs)} ago${paused ? ` · reaping paused: ${r.outage.reason}` : ''}${r.lastError ? ` · ${r.lastError}` : ''}`;
}

/**
 * A session's seats (issue 24): taken (the player connected), reserved (a join's token not yet
 * used), left (dropped, held for the reconnect grace), of max_players.
 * @param {{maxPlayers: number | null, reserved: number, taken: number, left: number} | undefined} s
 */
function seatsText(s) {
  if (!s || (s.maxPlayers === null && s.reserved + s.taken + s.left === 0)) return '—';
  const parts = [`${s.taken} taken`, `${s.reserved} reserved`];
  if (s.left > 0) parts.push(`${s.left} away`);
  return `${parts.join(' · ')}${s.maxPlayers === null ? '' : ` / ${s.maxPlayers}`}`;
}

function renderSessions() {
  const body = /** @type {HTMLTableSectionElement} */ ($('sessions').querySelector('tbody'));
  body.replaceChildren(
    ...inRegion(state.sessions).map((/** @type {any} */ x) => {
      const end = el('button', { type: 'button', class: 'danger small', 'data-action': 'end-session' }, ['End']);
      end.onclick = () =>
        confirmThen({
          title: `End session ${x.code}?`,
          text:
            x.state === 'pending'
              ? 'It is still waiting for a server: it ends now, and no server is given to it.'
              : 'Players are disconnected and the server is released.',
          ok: 'End session',
          run: () => actions.endSession(x.code),
        });
      return el('tr', { 'data-code': x.code }, [
        el('td', { 'data-label': 'Code' }, [el('code', {}, [x.code])]),
        el('td', { 'data-label': 'State' }, [badge(x.state)]),
        el('td', { 'data-label': 'Region' }, [x.region ?? '—']),
        el('td', { 'data-label': 'Players' }, [String(x.players ?? 0)]),
        el('td', { 'data-label': 'Seats', class: 'seats' }, [seatsText(x.seats)]),
        el('td', { 'data-label': 'Age' }, [ago(state.nowMs - x.createdAtMs)]),
        el('td', { 'data-label': 'Server' }, [x.serverIp ?? '—']),
        el('td', { 'data-label': 'Cost' }, [x.usd === null ? '—' : money(x.usd)]),
        el('td', { class: 'row-actions' }, [end]),
      ]);
    }),
  );
  $('sessions-empty').hidden = inRegion(state.sessions).length > 0;
}

function renderServers() {
  const body = /** @type {HTMLTableSectionElement} */ ($('servers').querySelector('tbody'));
  body.replaceChildren(
    ...inRegion(state.servers).map((/** @type {any} */ s) => {
      const drain = el('button', { type: 'button', class: 'ghost small' }, ['Drain']);
      drain.onclick = () =>
        confirmThen({
          title: `Drain server ${serverLabel(s.id)}?`,
          text: 'It takes no new session and is deleted once empty.',
          ok: 'Drain',
          run: () => actions.drainServer(s.id),
        });
      const del = el('button', { type: 'button', class: 'danger small' }, ['Delete']);
      del.onclick = () =>
        confirmThen({
          title: `Delete server ${serverLabel(s.id)}?`,
          text: 'Its session ends now and the machine is destroyed.',
          ok: 'Delete server',
          run: () => actions.deleteServer(s.id),
        });
      const hb = s.lastHeartbeatAtMs === null ? '—' : `${ago(state.nowMs - s.lastHeartbeatAtMs)} ago`;
      return el('tr', { 'data-server': s.id }, [
        el('td', { 'data-label': 'Server' }, [
          el('span', {}, [
            el('code', { title: s.id }, [serverLabel(s.id)]),
            el('span', { class: 'muted origin' }, [s.origin]),
          ]),
        ]),
        el('td', { 'data-label': 'State' }, [badge(s.state)]),
        el('td', { 'data-label': 'Region' }, [s.region ?? '—']),
        el('td', { 'data-label': 'Address' }, [s.ip ? `${s.ip}${s.port ? `:${s.port}` : ''}` : '—']),
        el('td', { 'data-label': 'Players' }, [String(s.players)]),
        el('td', { 'data-label': 'Heartbeat' }, [hb]),
        el('td', { 'data-label': 'Uptime' }, [ago(state.nowMs - s.createdAtMs)]),
        el('td', { 'data-label': 'Cost' }, [s.usd === null ? '—' : money(s.usd)]),
        el('td', { class: 'row-actions' }, [drain, del]),
      ]);
    }),
  );
  $('servers-empty').hidden = inRegion(state.servers).length > 0;
}

/** The day chart, and the region filter's choices (every region the day or the fleet shows). */
function renderDay() {
  const day = state.costs?.last24h;
  const select = /** @type {HTMLSelectElement} */ ($('region-filter'));
  const regions = new Set([
    ...(day?.regions ?? []).map((/** @type {any} */ r) => r.region),
    ...state.servers.map((/** @type {any} */ s) => s.region).filter(Boolean),
  ]);
  const want = ['', ...[...regions].sort()];
  const have = [...select.options].map((o) => o.value);
  if (want.join('\n') !== have.join('\n')) {
    select.replaceChildren(...want.map((r) => el('option', { value: r }, [r || 'All regions'])));
    select.value = regions.has(regionFilter) ? regionFilter : '';
  }
  renderDayChart($('day-chart'), day, chartMetric, regionFilter);
}

/** @param {any} e */
function eventLine(e) {
  const d = e.data ?? {};
  const what =
    e.kind === 'session.started'
      ? `session ${d.code} started (${d.coldStart ? 'cold' : 'warm'})`
      : e.kind === 'session.ended'
        ? `session ${d.code} ended: ${d.reason}`
        : e.kind === 'session.assigned'
          ? `session ${d.code} got a server after ${ago(Number(d.waitedMs ?? 0))}`
          : e.kind === 'server.state_changed'
            ? `server ${serverLabel(e.serverId)} ${d.from ? `${d.from} → ` : '→ '}${d.to}${d.reason ? ` (${d.reason})` : ''}`
            : e.kind === 'pool.targets_changed'
              ? `pool target ${d.target} (min ${d.minReady}, buffer ${d.buffer}, cap ${d.maxServers}${d.atMaxServers ? ', at the cap' : ''})`
              : e.kind === 'outage_guard.on'
                ? `heartbeat reaping paused: ${d.reason ?? 'many servers silent'}`
                : e.kind === 'outage_guard.off'
                  ? 'heartbeat reaping resumed'
                  : e.kind === 'orphan.adopted'
                    ? `machine ${d.providerId} adopted`
                    : e.kind === 'orphan.deleted'
                      ? `orphan machine ${d.providerId} deleted`
                      : e.kind === 'server.created'
                        ? `server ${serverLabel(e.serverId)} created${d.ip ? ` at ${d.ip}` : ''}`
                        : e.kind === 'server.deleted'
                          ? `server ${serverLabel(e.serverId)} deleted${d.reason ? ` (${d.reason})` : ''}`
                          : e.kind === 'leader.changed'
                            ? d.leads
                              ? `replica ${d.replica} now runs the reconciler`
                              : `replica ${d.replica} stopped leading${d.leaderReplica ? ` (${d.leaderReplica} leads)` : ''}`
                            : `${e.kind} ${JSON.stringify(d)}`;
  return el('li', { 'data-kind': e.kind }, [
    el('time', { datetime: new Date(e.atMs).toISOString() }, [new Date(e.atMs).toLocaleTimeString()]),
    el('span', { class: `kind k-${e.kind.split('.')[0]}` }, [e.kind]),
    el('span', {}, [what]),
  ]);
}

/** @param {any[]} events */
function addEvents(events) {
  const feed = $('events');
  for (const e of events) {
    if (e.id <= lastEventId) continue;
    lastEventId = e.id;
    feed.prepend(eventLine(e));
  }
  while (feed.children.length > 100) feed.lastElementChild?.remove();
}

async function refresh() {
  try {
    state = await snapshot();
    renderCards();
    renderSessions();
    renderServers();
    renderDay();
  } catch (err) {
    toast(`Could not load: ${err instanceof Error ? err.message : err}`, true);
  }
}

/** Many events in a burst make one refresh. @param {number} ms */
function scheduleRefresh(ms) {
  clearTimeout(refreshTimer);
  refreshTimer = window.setTimeout(refresh, ms);
}

function connect() {
  const live = $('live');
  const es = new EventSource(`/v1/events/stream?after=${lastEventId}`);
  es.onopen = () => {
    live.dataset.state = 'live';
    live.textContent = 'live';
  };
  es.onerror = () => {
    live.dataset.state = 'connecting';
    live.textContent = 'reconnecting…';
  };
  es.onmessage = () => {};
  const onEvent = (/** @type {MessageEvent} */ m) => {
    addEvents([JSON.parse(m.data)]);
    scheduleRefresh(150);
  };
  for (const kind of [
    'server.created',
    'server.state_changed',
    'server.deleted',
    'session.started',
    'session.assigned',
    'session.ended',
    'seat.reserved',
    'seat.taken',
    'seat.left',
    'seat.freed',
    'orphan.adopted',
    'orphan.deleted',
    'pool.targets_changed',
    'outage_guard.on',
    'outage_guard.off',
    'leader.changed',
  ]) {
    es.addEventListener(kind, onEvent);
  }
}

async function main() {
  await refresh();
  if (state) {
    addEvents(state.recentEvents);
    lastEventId = state.lastEventId;
  }
  $('edit-pool').onclick = () =>
    confirmThen({
      title: 'Change pool targets',
      text: 'Ready servers kept waiting for players. More costs more.',
      ok: 'Save targets',
      fields: [
        { name: 'minReady', label: 'Minimum ready', value: state?.pool.minReady ?? 0 },
        { name: 'buffer', label: 'Buffer', value: state?.pool.buffer ?? 0 },
      ],
      run: (v) => actions.setPool({ minReady: v.minReady ?? 0, buffer: v.buffer ?? 0 }),
    });
  for (const b of document.querySelectorAll('[data-metric]')) {
    const button = /** @type {HTMLButtonElement} */ (b);
    button.onclick = () => {
      chartMetric = /** @type {import('./chart.js').Metric} */ (button.dataset.metric);
      for (const o of document.querySelectorAll('[data-metric]')) o.setAttribute('aria-pressed', String(o === button));
      if (state) renderDay();
    };
  }
  /** @type {HTMLSelectElement} */ ($('region-filter')).onchange = (e) => {
    regionFilter = /** @type {HTMLSelectElement} */ (e.target).value;
    if (state) {
      renderSessions();
      renderServers();
      renderDay();
    }
  };
  connect();
  // Ages and heartbeats move with time even without events.
  setInterval(() => scheduleRefresh(0), 15_000);
}

void main();
