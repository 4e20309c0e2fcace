import { createHash, createHmac } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { signRequest } from '../../examples/game-server/sign.mjs';
import { signParts } from '../../src/domain/hmac.js';

const body = '{"droplet_ip":"127.0.0.2","connected_clients":1}';

describe('examples/game-server/sign.mjs', () => {
  it('signRequest() computes the documented HMAC over method, path, query, timestamp and body hash', () => {
    const headers = signRequest({
      method: 'post',
      path: '/server/heartbeat',
      body,
      key: 'k',
      timestampS: 1_700_000_000,
    });
    const canonical = `POST\n/server/heartbeat\n\n1700000000\n${createHash('sha256').update(body).digest('hex')}`;
    expect(headers).toEqual({
      'Request-Timestamp': '1700000000',
      'Request-Signature': createHmac('sha256', 'k').update(canonical).digest('hex'),
    });
  });

  it('signs an empty body as zero bytes, keeps the query raw and adds Server-Id when given', () => {
    const query = 'droplet_ip=127.0.0.2';
    const headers = signRequest({
      method: 'POST',
      path: '/server/end',
      query,
      key: 'cred',
      serverId: 'sid',
      timestampS: 5,
    });
    const emptyHash = 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855';
    const expected = createHmac('sha256', 'cred').update(`POST\n/server/end\n${query}\n5\n${emptyHash}`).digest('hex');
    expect(headers).toEqual({ 'Request-Timestamp': '5', 'Request-Signature': expected, 'Server-Id': 'sid' });
  });

  it('agrees with the orchestrator’s verifier', () => {
    const headers = signRequest({ method: 'POST', path: '/server/heartbeat', body, key: 'k' });
    const timestamp = headers['Request-Timestamp']!;
    expect(Math.abs(Number(timestamp) - Date.now() / 1000)).toBeLessThan(2);
    const parts = { method: 'POST', path: '/server/heartbeat', query: '', timestamp, body };
    expect(headers['Request-Signature']).toBe(signParts('k', parts));
  });

  it('refuses to sign without a key', () => {
    expect(() => signRequest({ method: 'POST', path: '/x', key: '' })).toThrow(/key/);
  });
});
