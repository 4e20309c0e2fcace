import fc from 'fast-check';
import { isIP } from 'node:net';
import { describe, expect, it } from 'vitest';
import { canonicalIp } from '../../src/domain/ip-address.js';

/** Eight 16-bit groups written in one of the many legal spellings of the same address. */
const spelling = fc
  .record({
    groups: fc.array(fc.oneof(fc.constant(0), fc.integer({ min: 0, max: 0xffff })), { minLength: 8, maxLength: 8 }),
    upper: fc.array(fc.boolean(), { minLength: 8, maxLength: 8 }),
    pad: fc.array(fc.integer({ min: 0, max: 3 }), { minLength: 8, maxLength: 8 }),
    compressAt: fc.nat(),
    dottedTail: fc.boolean(),
  })
  .map(({ groups, upper, pad, compressAt, dottedTail }) => ({
    groups,
    text: spell(groups, upper, pad, compressAt, dottedTail),
  }));

function spell(groups: number[], upper: boolean[], pad: number[], compressAt: number, dottedTail: boolean): string {
  let parts = groups.map((g, i) => {
    const h = g.toString(16).padStart(Math.min(4, g.toString(16).length + pad[i]!), '0');
    return upper[i] ? h.toUpperCase() : h;
  });
  if (dottedTail)
    parts = [...parts.slice(0, 6), [groups[6]! >> 8, groups[6]! & 0xff, groups[7]! >> 8, groups[7]! & 0xff].join('.')];
  // Compress one run of zero groups (any run, not only the longest), or none.
  const runs: [number, number][] = [];
  for (let i = 0; i < parts.length; i++) {
    if (groups[i] !== 0 || (dottedTail && i >= 6)) continue;
    let j = i;
    while (j < parts.length && groups[j] === 0 && !(dottedTail && j >= 6)) j++;
    runs.push([i, j]);
    i = j;
  }
  const pick = compressAt % (runs.length + 1);
  if (pick === runs.length) return parts.join(':');
  const [a, b] = runs[pick]!;
  return `${parts.slice(0, a).join(':')}::${parts.slice(b).join(':')}`;
}

describe('canonicalIp()', () => {
  it('writes IPv6 per RFC 5952 and keeps IPv4 as is', () => {
    const table: [string, string][] = [
      ['2001:DB8::1', '2001:db8::1'],
      ['2001:0db8:0000::1', '2001:db8::1'],
      ['2001:0db8:0000:0000:0000:0000:0000:0001', '2001:db8::1'],
      ['2001:db8:0:1:1:1:1:1', '2001:db8:0:1:1:1:1:1'],
      ['2001:db8:0:0:1:0:0:1', '2001:db8::1:0:0:1'],
      ['2001:0:0:1:0:0:0:1', '2001:0:0:1::1'],
      ['::', '::'],
      ['::1', '::1'],
      ['1::', '1::'],
      ['::1.2.3.4', '::102:304'],
      ['203.0.113.7', '203.0.113.7'],
      ['0.0.0.0', '0.0.0.0'],
    ];
    for (const [input, want] of table) expect(canonicalIp(input), input).toBe(want);
  });

  it('turns IPv4-mapped IPv6 into IPv4, in any spelling', () => {
    for (const s of [
      '::ffff:127.0.0.3',
      '::FFFF:127.0.0.3',
      '::ffff:7f00:3',
      '0:0:0:0:0:ffff:7f00:0003',
      '0000::FFFF:127.0.0.3',
    ]) {
      expect(canonicalIp(s), s).toBe('127.0.0.3');
    }
  });

  it('refuses what is not an address', () => {
    for (const s of [
      '',
      ' 1.2.3.4',
      '1.2.3.4 ',
      '1.2.3',
      '1.2.3.4.5',
      '256.1.1.1',
      '010.0.0.1',
      'localhost',
      '1.2.3.4/24',
      'fe80::1%eth0',
      ':::',
      '1:::2',
      '1::2::3',
      '1:2:3:4:5:6:7',
      '1:2:3:4:5:6:7:8:9',
      '1::2:3:4:5:6:7:8',
      '12345::',
      '1.2.3.4::',
      '::1.2.3.4:5',
      'g::1',
      ':1::',
      '1:',
    ]) {
      expect(canonicalIp(s), JSON.stringify(s)).toBeNull();
    }
  });

  it('agrees with Node on what is an address', () => {
    fc.assert(
      fc.property(
        fc.oneof(
          fc.string({ unit: fc.constantFrom(...'0123456789abcdefABCDEF:.'), maxLength: 45 }),
          spelling.map((s) => s.text),
        ),
        (s) => {
          expect(canonicalIp(s) !== null).toBe(isIP(s) !== 0);
        },
      ),
      { numRuns: 3000 },
    );
  });

  it('is idempotent and equal for every spelling of one address', () => {
    fc.assert(
      fc.property(spelling, spelling, ({ groups, text }, other) => {
        const c = canonicalIp(text);
        expect(c).not.toBeNull();
        expect(canonicalIp(c!)).toBe(c);
        const again = spell(
          groups,
          other.groups.map((g) => g > 0x8000),
          other.groups.map((g) => g % 4),
          other.groups[0]!,
          false,
        );
        expect(canonicalIp(again)).toBe(c);
        const mapped = groups.slice(0, 5).every((g) => g === 0) && groups[5] === 0xffff;
        // The URL standard serialises IPv6 hosts as RFC 5952 does (but keeps mapped addresses in hex).
        if (!mapped) expect(`[${c}]`).toBe(new URL(`http://[${text}]/`).hostname);
        else expect(isIP(c!)).toBe(4);
      }),
      { numRuns: 3000 },
    );
  });
});
