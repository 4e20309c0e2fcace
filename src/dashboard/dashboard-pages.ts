/** The dashboard's two HTML pages: static shells, no inline script or style (a strict CSP holds). */

const HEAD = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="color-scheme" content="light dark">
<title>Game orchestrator</title>
<link rel="stylesheet" href="/dashboard/assets/app.css">
</head>`;

function escapeHtml(s: string): string {
  return s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

export function loginPage(error: string | null): string {
  return `${HEAD}
<body class="login">
<main class="login-card">
  <h1><span class="logo" aria-hidden="true"></span>Game orchestrator</h1>
  <p class="muted">Operator dashboard</p>
  <form method="post" action="/dashboard/login">
    <label for="token">Admin token</label>
    <input id="token" name="token" type="password" autocomplete="current-password" required autofocus>
    ${error ? `<p class="error" role="alert">${escapeHtml(error)}</p>` : ''}
    <button type="submit" class="primary">Sign in</button>
  </form>
</main>
</body>
</html>`;
}

export function appPage(): string {
  return `${HEAD}
<body>
<header class="top">
  <h1><span class="logo" aria-hidden="true"></span>Game orchestrator</h1>
  <span id="live" class="pill" data-state="connecting">connecting…</span>
  <form method="post" action="/dashboard/logout" class="logout"><button type="submit" class="ghost">Sign out</button></form>
</header>
<main id="app">
  <section class="cards" aria-label="Summary">
    <article class="card"><h2>Servers</h2><p class="big" id="k-servers">–</p><p class="muted" id="k-servers-sub"></p></article>
    <article class="card"><h2>Sessions</h2><p class="big" id="k-sessions">–</p><p class="muted" id="k-sessions-sub"></p></article>
    <article class="card"><h2>Warm pool</h2><p class="big" id="k-pool">–</p><p class="muted" id="k-pool-sub"></p><ul class="muted small" id="k-pool-regions"></ul>
      <button type="button" class="ghost small" id="edit-pool">Change targets</button></article>
    <article class="card"><h2>Spend today</h2><p class="big" id="k-spend">–</p><p class="muted" id="k-spend-sub"></p></article>
    <article class="card"><h2>Reconciler</h2><p class="big" id="k-reconciler">–</p><p class="muted" id="k-reconciler-sub"></p></article>
  </section>
  <section class="panel" aria-labelledby="h-day">
    <div class="panel-head"><h2 id="h-day">Last 24 hours</h2>
      <div class="seg" role="group" aria-label="What the chart shows"><button type="button" class="small" data-metric="sessionsStarted" aria-pressed="true">Sessions</button><button type="button" class="small" data-metric="servers" aria-pressed="false">Servers</button><button type="button" class="small" data-metric="usd" aria-pressed="false">Spend</button></div>
      <label class="region-filter">Region <select id="region-filter"><option value="">All regions</option></select></label></div>
    <div id="day-chart" class="chart"></div>
  </section>
  <section class="panel" aria-labelledby="h-sessions">
    <h2 id="h-sessions">Sessions</h2>
    <div class="table-wrap"><table id="sessions"><thead><tr><th>Code</th><th>State</th><th>Region</th><th>Players</th><th>Seats</th><th>Age</th><th>Server</th><th>Cost</th><th></th></tr></thead><tbody></tbody></table></div>
    <p class="empty" id="sessions-empty">No live sessions.</p>
  </section>
  <section class="panel" aria-labelledby="h-servers">
    <h2 id="h-servers">Servers</h2>
    <div class="table-wrap"><table id="servers"><thead><tr><th>Server</th><th>State</th><th>Region</th><th>Address</th><th>Players</th><th>Heartbeat</th><th>Uptime</th><th>Cost</th><th></th></tr></thead><tbody></tbody></table></div>
    <p class="empty" id="servers-empty">No live servers.</p>
  </section>
  <section class="panel" aria-labelledby="h-events">
    <h2 id="h-events">Events</h2>
    <ol id="events" class="feed"></ol>
  </section>
</main>
<dialog id="confirm">
  <form method="dialog">
    <h2 id="confirm-title"></h2>
    <p id="confirm-text"></p>
    <div id="confirm-fields"></div>
    <p class="error" id="confirm-error" role="alert"></p>
    <div class="actions"><button value="cancel" class="ghost">Cancel</button><button value="ok" id="confirm-ok" class="danger">Confirm</button></div>
  </form>
</dialog>
<div id="toast" role="status" aria-live="polite"></div>
<script type="module" src="/dashboard/assets/app.js"></script>
</body>
</html>`;
}
