/** Variables a game server may inherit from the orchestrator's environment. */
const SAFE_NAMES = new Set([
  'PATH',
  'HOME',
  'USER',
  'LOGNAME',
  'SHELL',
  'LANG',
  'LANGUAGE',
  'TZ',
  'TERM',
  'TMPDIR',
  'TEMP',
  'TMP',
  'SYSTEMROOT',
  'COMSPEC',
  'PATHEXT',
  'WINDIR',
]);
const SAFE_PREFIXES = ['LC_', 'NODE_'];
/** Never passed on, whatever the prefix (NODE_AUTH_TOKEN is npm's token, for one). */
const SECRET_LOOKING = /TOKEN|SECRET|KEY|PASSWORD|PASSWD|CREDENTIAL|AUTH/i;
/** Node's own IPC plumbing: it belongs to one process, never to its children. */
const NODE_INTERNAL = new Set(['NODE_CHANNEL_FD', 'NODE_CHANNEL_SERIALIZATION_MODE', 'NODE_UNIQUE_ID']);

/**
 * The part of `parent` a game server may see: the basics a program needs to run (PATH,
 * HOME, locale, NODE_*), never the orchestrator's own secrets (DIGITALOCEAN_TOKEN,
 * INTERNAL_HMAC_*, DATABASE_URL). Everything else a game server needs is given explicitly.
 */
export function safeChildEnv(parent: Readonly<Record<string, string | undefined>>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [name, value] of Object.entries(parent)) {
    if (value === undefined || SECRET_LOOKING.test(name) || NODE_INTERNAL.has(name)) continue;
    if (SAFE_NAMES.has(name) || SAFE_PREFIXES.some((p) => name.startsWith(p))) env[name] = value;
  }
  return env;
}
