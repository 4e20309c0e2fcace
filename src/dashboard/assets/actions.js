// @ts-check
/**
 * Every change the dashboard makes, in one place: the /v1 operator routes it calls. Adjust
 * the paths here if the API moves. Requests ride on the session cookie and carry X-CSRF,
 * which the server requires of cookie-authorized changes.
 */

/**
 * @param {string} method
 * @param {string} path
 * @param {unknown} [body]
 * @returns {Promise<unknown>}
 */
async function call(method, path, body) {
  const res = await fetch(path, {
    method,
    credentials: 'same-origin',
    headers: { 'x-csrf': '1', ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  /** @type {any} */
  let json = null;
  try {
    json = text ? JSON.parse(text) : null;
  } catch {
    json = null;
  }
  if (!res.ok) throw new Error(json?.error?.message ?? json?.detail ?? `HTTP ${res.status}`);
  return json;
}

export const actions = {
  /** @param {string} code */
  endSession: (code) => call('DELETE', `/v1/sessions/${encodeURIComponent(code)}`),
  /** @param {string} id */
  drainServer: (id) => call('POST', `/v1/servers/${encodeURIComponent(id)}/drain`),
  /** @param {string} id */
  deleteServer: (id) => call('DELETE', `/v1/servers/${encodeURIComponent(id)}`),
  /** @param {{ minReady: number, buffer: number }} targets */
  setPool: (targets) => call('PATCH', '/v1/pool', { min_ready: targets.minReady, buffer: targets.buffer }),
};

/** Reads (GET needs no CSRF header). */
export async function snapshot() {
  const res = await fetch('/dashboard/api/snapshot', { credentials: 'same-origin' });
  if (res.status === 401) {
    location.reload();
    throw new Error('signed out');
  }
  if (!res.ok) throw new Error(`HTTP ${res.status}`);
  return res.json();
}
