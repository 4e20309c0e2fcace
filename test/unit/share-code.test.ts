import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normalizeShareCode } from '../../src/domain/share-code.js';

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

  it('maps only ASCII letters and digits, and is idempotent', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 12, unit: 'binary' }), (s) => {
        const n = normalizeShareCode(s);
        if (n === null) return;
        expect(n).toMatch(/^[A-Z0-9]+$/);
        expect(normalizeShareCode(n)).toBe(n);
        expect(n).toBe(s.trim().toUpperCase());
      }),
    );
  });
});
