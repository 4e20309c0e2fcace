import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeShareCode, SHARE_CODE_ALPHABET } from '../../src/domain/share-code.js';

describe('normalizeShareCode()', () => {
  it('upper-cases ASCII letters and ignores surrounding spaces', () => {
    expect(normalizeShareCode('  ab3xyz \n')).toBe('AB3XYZ');
    // Codes imported from the original are hex, with 0 and 1.
    expect(normalizeShareCode('0a1b2c')).toBe('0A1B2C');
  });

  it('refuses characters that only match after Unicode case folding', () => {
    for (const hostile of ['ſSFF01', 'ﬀSS01', 'ßFF01', 'ＡＢＣ123', 'ABC12\u0130', 'ABC1\u212A2', 'ABC\u0131X2']) {
      expect(normalizeShareCode(hostile)).toBeNull();
    }
  });

  it('refuses punctuation, inner spaces, empty input and absurd lengths', () => {
    for (const bad of ['', '   ', 'AB CD', 'AB-CD', 'AB%00', 'A'.repeat(65)])
      expect(normalizeShareCode(bad)).toBeNull();
  });

  // Random strings almost never normalise to a code, so properties over them prove little. These
  // generate from the code alphabet itself (in either case, with the padding a player types) and
  // from near misses: one character that is not an ASCII letter or digit but looks or folds like one.
  const CODE_CHARS = [...SHARE_CODE_ALPHABET, ...SHARE_CODE_ALPHABET.toLowerCase(), '0', '1', 'o', 'i', 'l'];
  const PADDING = fc.array(fc.constantFrom(' ', '\t', '\r', '\n'), { maxLength: 3 }).map((a) => a.join(''));
  const CODE = fc.array(fc.constantFrom(...CODE_CHARS), { minLength: 1, maxLength: 12 }).map((a) => a.join(''));
  const NEAR_MISS = fc.constantFrom(
    'ſ', // long s: upper-cases to S
    'ﬀ', // ligature: upper-cases to FF
    'ß',
    'ı', // dotless i: upper-cases to I
    'İ',
    '\u212A', // Kelvin sign: lower-cases to k
    'Ａ', // full-width
    '７',
    '٣', // Arabic-Indic digit
    'О', // Cyrillic O
    '\u00A0', // no-break space
    '\u3000',
    '\u200B', // zero-width space
    '-',
    '_',
    '%',
    '\u0000',
    ' ',
  );

  it('a code from the alphabet, in any case and with ASCII padding, always normalises to its upper case', () => {
    fc.assert(
      fc.property(PADDING, CODE, PADDING, (before, code, after) => {
        const n = normalizeShareCode(before + code + after);
        expect(n).toBe(code.toUpperCase());
        expect(n).toMatch(/^[A-Z0-9]+$/);
        expect(normalizeShareCode(n!)).toBe(n);
      }),
      { numRuns: 500 },
    );
  });

  it('a code with one near miss inside it, or non-ASCII padding, never normalises', () => {
    fc.assert(
      fc.property(CODE, NEAR_MISS, fc.nat(), (code, odd, at) => {
        const i = 1 + (at % code.length); // inside or at the end, never only leading
        const inside = code.slice(0, i) + odd + code.slice(i);
        // Plain ASCII whitespace at the very end would be padding, not a near miss.
        if (i === code.length && odd === ' ') return;
        expect(normalizeShareCode(inside)).toBeNull();
        if (odd.trim() === '' && odd !== ' ') expect(normalizeShareCode(odd + code + odd)).toBeNull();
      }),
      { numRuns: 500 },
    );
  });

  it('longer than the longest code never normalises, however valid its characters', () => {
    fc.assert(
      fc.property(fc.array(fc.constantFrom(...CODE_CHARS), { minLength: 65, maxLength: 80 }), (chars) => {
        expect(normalizeShareCode(chars.join(''))).toBeNull();
      }),
    );
  });

  it('whatever it is given, an answer is upper-case ASCII letters and digits, and idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12, unit: 'binary' }), (s) => {
        const n = normalizeShareCode(s);
        if (n === null) return;
        expect(n).toMatch(/^[A-Z0-9]+$/);
        expect(normalizeShareCode(n)).toBe(n);
      }),
    );
  });
});
