/**
 * Environment variables that look like one of ours but are not read: another product's name for
 * the same setting (`DIGITALOCEAN_API_URL`, `DO_URL`), a typo (`MAX_SERVER`), or the wrong case.
 * Such a variable is silently ignored otherwise, and the default it leaves in place can be
 * costly: without `DO_API_URL` the token goes to the real DigitalOcean API. Pure: config.ts
 * (the only reader of the environment) passes the names in.
 */

/** Names other tools and guides use for our settings. */
export const KNOWN_ALIASES: Readonly<Record<string, string>> = {
  DIGITALOCEAN_API_URL: 'DO_API_URL',
  DIGITALOCEAN_URL: 'DO_API_URL',
  DIGITALOCEAN_API_ENDPOINT: 'DO_API_URL',
  DIGITALOCEAN_ENDPOINT: 'DO_API_URL',
  DO_URL: 'DO_API_URL',
  DO_API: 'DO_API_URL',
  DO_API_BASE: 'DO_API_URL',
  DO_ENDPOINT: 'DO_API_URL',
  DIGITALOCEAN_ACCESS_TOKEN: 'DIGITALOCEAN_TOKEN',
  DIGITALOCEAN_API_TOKEN: 'DIGITALOCEAN_TOKEN',
  DO_TOKEN: 'DIGITALOCEAN_TOKEN',
  DO_API_TOKEN: 'DIGITALOCEAN_TOKEN',
  DO_ACCESS_TOKEN: 'DIGITALOCEAN_TOKEN',
  DO_REGION: 'DROPLET_REGION',
  DIGITALOCEAN_REGION: 'DROPLET_REGION',
  DO_SIZE: 'DROPLET_SIZE',
  DIGITALOCEAN_SIZE: 'DROPLET_SIZE',
  DO_SNAPSHOT_ID: 'SNAPSHOT_ID',
  DROPLET_SNAPSHOT_ID: 'SNAPSHOT_ID',
  DROPLET_IMAGE: 'SNAPSHOT_ID',
  DO_TAG: 'DROPLET_TAG',
  HETZNER_TOKEN: 'HCLOUD_TOKEN',
  HETZNER_API_TOKEN: 'HCLOUD_TOKEN',
  HCLOUD_API_TOKEN: 'HCLOUD_TOKEN',
  HCLOUD_ENDPOINT: 'HCLOUD_API_URL',
  HETZNER_API_URL: 'HCLOUD_API_URL',
  HCLOUD_URL: 'HCLOUD_API_URL',
  HCLOUD_SNAPSHOT_ID: 'HCLOUD_IMAGE',
  HETZNER_LOCATION: 'HCLOUD_LOCATION',
  HETZNER_SERVER_TYPE: 'HCLOUD_SERVER_TYPE',
  HMAC_KEY: 'INTERNAL_HMAC_KEY',
  HMAC_SECRET: 'INTERNAL_HMAC_KEY',
  DB_URL: 'DATABASE_URL',
  SQLITE_PATH: 'DB_PATH',
  DATABASE_PATH: 'DB_PATH',
};

/**
 * Variables shells, platforms and libraries set; never compared (HOME is two edits from HOST,
 * OpenSSL's SSL_CERT_FILE one from SSL_CERTFILE, Marathon's PORT0 one from PORT).
 */
const SYSTEM_NAMES = new Set([
  'HOME',
  'PATH',
  'PWD',
  'OLDPWD',
  'SHELL',
  'USER',
  'LOGNAME',
  'TERM',
  'LANG',
  'HOSTNAME',
  'TMPDIR',
  'TZ',
  'NODE_ENV',
  'NODE_OPTIONS',
  'SHLVL',
  'COLORTERM',
  'EDITOR',
  'MAIL',
  'SSL_CERT_FILE',
  'SSL_CERT_DIR',
  'PORT0',
  'PORT1',
  'HOST_IP',
]);

/**
 * One warning per variable in `names` that is not in `known` but is an alias of, a different
 * case of, or at most a small edit (1 for names up to 7 characters, 2 beyond) from a known one.
 */
export function lookalikeWarnings(names: Iterable<string>, known: ReadonlySet<string>): string[] {
  const warnings: string[] = [];
  for (const name of names) {
    if (known.has(name) || SYSTEM_NAMES.has(name) || /^npm_/i.test(name)) continue;
    const meant = lookalikeOf(name, known);
    if (meant) warnings.push(`${name} is not a game-orchestrator setting and is ignored; did you mean ${meant}?`);
  }
  return warnings;
}

function lookalikeOf(name: string, known: ReadonlySet<string>): string | null {
  const upper = name.toUpperCase();
  const alias = KNOWN_ALIASES[upper];
  if (alias && known.has(alias)) return alias;
  if (known.has(upper)) return upper;
  let best: { name: string; distance: number } | null = null;
  for (const k of known) {
    const allowed = k.length <= 7 ? 1 : 2;
    if (k.length < 4 || Math.abs(k.length - upper.length) > allowed) continue;
    const d = editDistance(upper, k);
    if (d <= allowed && (!best || d < best.distance)) best = { name: k, distance: d };
  }
  return best?.name ?? null;
}

/** Levenshtein distance (two rows). */
export function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) {
      cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    }
    prev = cur;
  }
  return prev[b.length]!;
}
