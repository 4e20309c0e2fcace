import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.js';
import { editDistance, lookalikeWarnings } from '../../src/config-lookalikes.js';

describe('variables that look like ours but are not read', () => {
  it('DIGITALOCEAN_API_URL and DO_URL are named as DO_API_URL, and the API stays the real one meanwhile', () => {
    const c = loadConfig({ DIGITALOCEAN_API_URL: 'http://127.0.0.1:9090', DO_URL: 'http://127.0.0.1:9090' });
    expect(c.digitalocean.apiUrl).toBe('https://api.digitalocean.com');
    expect(c.warnings).toEqual([
      'DIGITALOCEAN_API_URL is not a game-orchestrator setting and is ignored; did you mean DO_API_URL?',
      'DO_URL is not a game-orchestrator setting and is ignored; did you mean DO_API_URL?',
    ]);
  });

  it.each([
    ['MAX_SERVER', 'MAX_SERVERS'],
    ['DIGITALOCEAN_TOKN', 'DIGITALOCEAN_TOKEN'],
    ['START_TIMEOUT_SEC', 'START_TIMEOUT_S'],
    ['do_api_url', 'DO_API_URL'],
    ['DO_TOKEN', 'DIGITALOCEAN_TOKEN'],
    ['DIGITALOCEAN_ACCESS_TOKEN', 'DIGITALOCEAN_TOKEN'],
    ['PORTT', 'PORT'],
    ['LOG_FORMATS', 'LOG_FORMAT'],
  ])('%s → %s', (wrong, right) => {
    expect(loadConfig({ [wrong]: 'x' }).warnings).toEqual([
      `${wrong} is not a game-orchestrator setting and is ignored; did you mean ${right}?`,
    ]);
  });

  it('says nothing about our own names, the shell, npm or unrelated variables', () => {
    const env = {
      DO_API_URL: 'http://127.0.0.1:9090',
      INTERNAL_HMAC_KEY: 'k',
      INTERNAL_HMAC_SECRET: 's',
      DOTENV_PATH: '/x',
      HOME: '/root',
      HOST: '127.0.0.1',
      PATH: '/bin',
      PWD: '/',
      HOSTNAME: 'box',
      TERM: 'xterm',
      LANG: 'C',
      USER: 'me',
      NODE_ENV: 'production',
      npm_lifecycle_event: 'start',
      npm_config_cache: '/c',
      ORCHESTRATOR_URL: 'http://x',
      CI: '1',
      GITHUB_TOKEN: 'g',
      KUBERNETES_PORT: 'tcp://1',
      AWS_REGION: 'us-east-1',
      SSL_CERT_FILE: '/etc/ssl/certs/ca.pem',
      PORT0: '31000',
      HTTP_PROXY: 'http://proxy',
      NO_PROXY: 'localhost',
      PGPORT: '5432',
      PGHOST: 'db',
      DB_HOST: 'db',
      DB_PORT: '5432',
    };
    expect(loadConfig(env).warnings).toEqual([]);
  });

  it('names the lookalike next to the error it probably caused, without its value', () => {
    let err: unknown;
    try {
      loadConfig({ PROVIDER: 'digitalocean', SNAPSHOT_ID: '1', DO_TOKEN: 'dop_v1_secret' });
    } catch (e) {
      err = e;
    }
    expect(err).toBeInstanceOf(ConfigError);
    expect((err as Error).message).toMatch(
      /DIGITALOCEAN_TOKEN is required[\s\S]*DO_TOKEN .*did you mean DIGITALOCEAN_TOKEN\?/,
    );
    expect((err as Error).message).not.toContain('dop_v1_secret');
  });

  it('editDistance counts insertions, deletions and substitutions', () => {
    expect(editDistance('MAX_SERVER', 'MAX_SERVERS')).toBe(1);
    expect(editDistance('HOME', 'HOST')).toBe(2);
    expect(editDistance('', 'ABC')).toBe(3);
    expect(lookalikeWarnings(['HOME'], new Set(['HOST']))).toEqual([]);
  });
});
