import type { MachineSpec } from '../provider.js';

/** DigitalOcean rejects `user_data` over 64 KiB. */
export const MAX_USER_DATA_BYTES = 64 * 1024;

/** Where the game server (via its systemd unit's EnvironmentFile) finds who it is. */
export const ENV_FILE_PATH = '/etc/game-orchestrator.env';

/**
 * A `#cloud-config` that writes the game server's settings to ENV_FILE_PATH, readable by
 * root only (the credential is a secret, though a per-server revocable one). The file body is
 * a JSON string, which is also a valid YAML double-quoted scalar, so no value can break the
 * YAML; values with line breaks are refused because they would inject extra variables.
 */
export function buildUserData(spec: MachineSpec): string {
  const vars: [string, string][] = [
    ['ORCHESTRATOR_URL', spec.orchestratorUrl],
    ['SERVER_ID', spec.serverId],
    ['SERVER_CREDENTIAL', spec.credential],
  ];
  for (const [k, v] of vars) {
    if (/[\r\n\0]/.test(v)) throw new Error(`${k} must not contain line breaks or NUL`);
  }
  const content = vars.map(([k, v]) => `${k}=${v}\n`).join('');
  const userData = [
    '#cloud-config',
    'write_files:',
    `  - path: ${ENV_FILE_PATH}`,
    '    owner: root:root',
    "    permissions: '0600'",
    `    content: ${JSON.stringify(content)}`,
    '',
  ].join('\n');
  if (Buffer.byteLength(userData, 'utf8') >= MAX_USER_DATA_BYTES) {
    throw new Error(`user_data is ${Buffer.byteLength(userData, 'utf8')} bytes; DigitalOcean allows under 64 KiB`);
  }
  return userData;
}
