import { describe, expect, it } from 'vitest';
import {
  SERVER_STATES,
  SERVER_TRANSITIONS,
  ServerState,
  canTransitionServer,
  isTerminalServerState,
} from '../../src/domain/server.js';
import { SESSION_TRANSITIONS, canTransitionSession } from '../../src/domain/session.js';
import { SHARE_CODE_ALPHABET, generateShareCode, normalizeShareCode } from '../../src/domain/share-code.js';
import { canonicalString, safeEqual, signatureMatches, signParts } from '../../src/domain/hmac.js';
import { createHash, createHmac } from 'node:crypto';

describe('server lifecycle', () => {
  it('terminal states never go back to a serving state', () => {
    for (const s of SERVER_STATES.filter(isTerminalServerState)) {
      for (const to of [ServerState.Creating, ServerState.Starting, ServerState.Ready, ServerState.Allocated]) {
        expect(canTransitionServer(s, to), `${s} → ${to}`).toBe(false);
      }
    }
  });
  it('deleted is final and every state can reach deleted', () => {
    expect(SERVER_TRANSITIONS.deleted).toEqual([]);
    for (const s of SERVER_STATES.filter((x) => x !== 'deleted')) expect(canTransitionServer(s, 'deleted')).toBe(true);
  });
  it.each([
    ['creating', 'starting', true],
    ['starting', 'ready', true],
    ['ready', 'allocated', true],
    ['allocated', 'ready', true],
    ['unhealthy', 'shutdown', true],
    ['shutdown', 'ready', false],
    ['error', 'allocated', false],
    ['ready', 'creating', false],
  ] as const)('%s → %s allowed: %s', (from, to, ok) => {
    expect(canTransitionServer(from, to)).toBe(ok);
  });
  it('sessions: pending → active → ended, never back', () => {
    expect(canTransitionSession('pending', 'active')).toBe(true);
    expect(canTransitionSession('active', 'ended')).toBe(true);
    expect(canTransitionSession('ended', 'active')).toBe(false);
    expect(canTransitionSession('active', 'pending')).toBe(false);
    expect(SESSION_TRANSITIONS.ended).toEqual([]);
  });
});

describe('share codes', () => {
  it('are 6 characters from an alphabet without look-alikes', () => {
    expect(SHARE_CODE_ALPHABET).not.toMatch(/[01OIL]/);
    for (let i = 0; i < 2000; i++) expect(generateShareCode()).toMatch(/^[ABCDEFGHJKMNPQRSTUVWXYZ23456789]{6}$/);
  });
  it('use every symbol of the alphabet', () => {
    const seen = new Set<string>();
    for (let i = 0; i < 2000; i++) for (const c of generateShareCode()) seen.add(c);
    expect(seen.size).toBe(SHARE_CODE_ALPHABET.length);
  });
  it('match case-insensitively and ignore surrounding spaces', () => {
    expect(normalizeShareCode('  ab3xyz \n')).toBe('AB3XYZ');
  });
});

describe('HMAC scheme', () => {
  it('signs METHOD, PATH, QUERY, TIMESTAMP and the body hash, as computed independently', () => {
    const body = '{"droplet_ip":"1.2.3.4","connected_clients":1}';
    const expected = createHmac('sha256', 'k')
      .update(`POST\n/server/end\ndroplet_ip=1.2.3.4\n1700000000\n${createHash('sha256').update(body).digest('hex')}`)
      .digest('hex');
    expect(
      signParts('k', {
        method: 'post',
        path: '/server/end',
        query: 'droplet_ip=1.2.3.4',
        timestamp: '1700000000',
        body,
      }),
    ).toBe(expected);
  });
  it('hashes an empty body as zero bytes', () => {
    expect(canonicalString({ method: 'POST', path: '/', query: '', timestamp: '1', body: '' }).split('\n')[4]).toBe(
      'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855',
    );
  });
  it('compares any strings safely', () => {
    expect(safeEqual('abc', 'abc')).toBe(true);
    expect(safeEqual('abc', 'abd')).toBe(false);
    expect(safeEqual('abc', 'abcd')).toBe(false);
    expect(safeEqual('', '\u0000')).toBe(false);
  });
});

describe('signatureMatches (the signed routes’ comparison)', () => {
  const sig = 'ab'.repeat(32);
  it('is true only for the same hex text', () => {
    expect(signatureMatches(sig, sig)).toBe(true);
    expect(signatureMatches(sig, `${'ab'.repeat(31)}ac`)).toBe(false);
    expect(signatureMatches(sig, sig.slice(1))).toBe(false);
    expect(signatureMatches(sig, '')).toBe(false);
  });
  it('a character whose low byte is a hex digit never stands in for it (U+0130 is 0x30 in latin1)', () => {
    const zeros = '0'.repeat(64);
    expect(signatureMatches(zeros, `İ${'0'.repeat(63)}`)).toBe(false);
  });
});
