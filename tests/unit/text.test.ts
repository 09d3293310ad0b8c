import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { cut } from '../../lib/text.ts';

describe('cut', () => {
  it('returns text that fits as it is', () => {
    expect(cut('', 0)).toBe('');
    expect(cut('short', 5)).toBe('short');
    expect(cut('short', 100)).toBe('short');
  });

  it('cuts longer text to the bound, ending in an ellipsis', () => {
    expect(cut('abcdefgh', 5)).toBe('abcd…');
    expect(cut('abcdefgh', 5, '...')).toBe('ab...');
  });

  it('drops a character that does not fit whole rather than split its surrogate pair', () => {
    // '😀' is two UTF-16 code units: keeping 3 units of 'ab😀…' would leave half of it.
    expect(cut('ab😀cd', 4)).toBe('ab…');
    expect(cut('ab😀cd', 5)).toBe('ab😀…');
    expect(cut('😀😀', 2)).toBe('…');
  });

  it('is never longer than the bound, even below the length of the ellipsis', () => {
    expect(cut('abcdef', 2, '...')).toBe('..');
    expect(cut('abcdef', 0)).toBe('');
  });

  it('is a prefix of the text plus the ellipsis, within the bound, and keeps well-formed text well-formed', () => {
    fc.assert(
      fc.property(
        fc.string({ unit: 'binary', maxLength: 60 }),
        fc.nat({ max: 80 }),
        fc.constantFrom('…', '...'),
        (text, max, ellipsis) => {
          const result = cut(text, max, ellipsis);

          expect(result.length).toBeLessThanOrEqual(max);
          expect(result.isWellFormed()).toBe(true);
          if (text.length <= max) {
            expect(result).toBe(text);
          } else if (max >= ellipsis.length) {
            expect(result.endsWith(ellipsis)).toBe(true);
            const kept = result.slice(0, result.length - ellipsis.length);
            expect(text.startsWith(kept)).toBe(true);
            // At most one code unit (the first half of a pair) is given up below the bound.
            expect(kept.length).toBeGreaterThanOrEqual(max - ellipsis.length - 1);
          }
        },
      ),
    );
  });
});
