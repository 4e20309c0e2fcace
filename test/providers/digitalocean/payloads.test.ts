import { describe, expect, it } from 'vitest';
import { buildUserData, MAX_USER_DATA_BYTES } from '../../../src/providers/digitalocean/cloud-init.js';
import { formatHttpError, parseErrorBody, redact } from '../../../src/providers/digitalocean/do-errors.js';
import type { DoDroplet } from '../../../src/providers/digitalocean/do-types.js';
import { dropletToMachine, publicIpv4, serverIdTag } from '../../../src/providers/digitalocean/droplet-machine.js';
import { nextPage } from '../../../src/providers/digitalocean/paginate.js';

const SERVER_ID = '0b6c2f4e-8a1d-4c3b-9e7f-123456789abc';

describe('error bodies', () => {
  it('reads the documented JSON shape and prefers its request_id', () => {
    const info = parseErrorBody('{"id":"unprocessable_entity","message":"bad size","request_id":"r-1"}', 'hdr');
    expect(info).toEqual({ id: 'unprocessable_entity', message: 'bad size', requestId: 'r-1' });
    expect(formatHttpError('POST', '/v2/droplets', 422, info)).toBe('POST /v2/droplets: 422 (request "r-1") bad size');
  });

  it('keeps a non-JSON (HTML) body as the message, with the header request id', () => {
    const info = parseErrorBody('<html>\r\n<head><title>502 Bad Gateway</title></head></html>', 'hdr-9');
    expect(info.id).toBeNull();
    expect(info.message).toContain('502 Bad Gateway');
    expect(info.message).not.toContain('\n');
    expect(info.requestId).toBe('hdr-9');
  });

  it('reads the tags endpoint shape and survives an empty body', () => {
    expect(parseErrorBody('{"error":"bad tag","messages":null}', null).message).toBe('bad tag');
    expect(parseErrorBody('', null).message).toBe('(empty body)');
  });

  it('redacts every occurrence of the token', () => {
    expect(redact('a dop_v1_x b dop_v1_x', 'dop_v1_x')).toBe('a [redacted] b [redacted]');
  });
});

describe('pagination links', () => {
  it('takes the page number from next, wherever the link points', () => {
    expect(
      nextPage({ pages: { next: 'https://api.digitalocean.com/v2/droplets?page=3&per_page=200&tag_name=t' } }),
    ).toBe(3);
    expect(nextPage({ pages: { prev: 'https://x/v2/droplets?page=1' } })).toBeNull();
    expect(nextPage({})).toBeNull();
    expect(nextPage(undefined)).toBeNull();
    expect(() => nextPage({ pages: { next: 'https://x/v2/droplets?page=zero' } })).toThrow(/next-page/);
  });
});

describe('droplet mapping', () => {
  const droplet = (v4: { ip_address: string; type: string }[]): DoDroplet => ({
    id: 42,
    name: `gs-${SERVER_ID}`,
    status: 'active',
    created_at: '2026-01-02T03:04:05Z',
    tags: ['t'],
    networks: { v4 },
  });

  it('finds the public address by type, in either order', () => {
    const priv = { ip_address: '10.0.0.5', type: 'private' };
    const pub = { ip_address: '203.0.113.7', type: 'public' };
    expect(publicIpv4(droplet([priv, pub]))).toBe('203.0.113.7');
    expect(publicIpv4(droplet([pub, priv]))).toBe('203.0.113.7');
    expect(publicIpv4(droplet([priv]))).toBeNull();
  });

  it('records the address in its canonical spelling, and one that is no address as none', () => {
    expect(publicIpv4(droplet([{ ip_address: '::FFFF:203.0.113.7', type: 'public' }]))).toBe('203.0.113.7');
    expect(publicIpv4(droplet([{ ip_address: 'not-an-ip', type: 'public' }]))).toBeNull();
  });

  it('maps to a Machine with the server id from the name', () => {
    expect(dropletToMachine(droplet([]), 'gs')).toEqual({
      providerId: '42',
      serverId: SERVER_ID,
      status: 'active',
      ip: null,
      port: null,
      createdAtMs: Date.parse('2026-01-02T03:04:05Z'),
      region: null,
    });
    expect(dropletToMachine({ ...droplet([]), region: { slug: 'ams3' } }, 'gs').region).toBe('ams3');
  });

  it('falls back to the id tag for a renamed droplet, and ignores foreign names', () => {
    const renamed = { ...droplet([]), name: 'hand-renamed', tags: ['t', `gs-id:${SERVER_ID}`] };
    expect(dropletToMachine(renamed, 'gs').serverId).toBe(SERVER_ID);
    expect(dropletToMachine({ ...droplet([]), name: 'web-1' }, 'gs').serverId).toBeNull();
  });

  it('makes the id tag only when it matches the tag pattern', () => {
    expect(serverIdTag('gs', SERVER_ID)).toBe(`gs-id:${SERVER_ID}`);
    expect(serverIdTag('g.s', SERVER_ID)).toBeNull();
  });
});

describe('user_data', () => {
  const spec = {
    serverId: SERVER_ID,
    credential: 'c"red:#x',
    orchestratorUrl: 'https://orch.example:8443/base',
    region: 'nyc3',
  };

  it('is a cloud-config that writes the env file, root-only', () => {
    const ud = buildUserData(spec);
    expect(ud.startsWith('#cloud-config\n')).toBe(true);
    expect(ud).toContain('path: /etc/game-orchestrator.env');
    expect(ud).toContain("permissions: '0600'");
    const line = ud.split('\n').find((l) => l.trimStart().startsWith('content: '))!;
    const content = JSON.parse(line.trim().slice('content: '.length)) as string;
    expect(content).toBe(
      `ORCHESTRATOR_URL=https://orch.example:8443/base\nSERVER_ID=${SERVER_ID}\nSERVER_CREDENTIAL=c"red:#x\n`,
    );
    expect(Buffer.byteLength(ud)).toBeLessThan(MAX_USER_DATA_BYTES);
  });

  it('refuses values that would inject lines, and oversize output', () => {
    expect(() => buildUserData({ ...spec, credential: 'a\nEVIL=1' })).toThrow(/line breaks/);
    expect(() => buildUserData({ ...spec, orchestratorUrl: 'x'.repeat(70_000) })).toThrow(/64 KiB/);
  });
});
