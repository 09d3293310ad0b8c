import { describe, expect, it } from '@jest/globals';

import { ValidationError } from '../../../lib/errors.ts';
import { formatBytes, grow, parseBytes, quantity, QUANTITY } from '../../../lib/kube/quantity.ts';

describe('quantity', () => {
  it('reads binary and decimal suffixes', () => {
    expect(quantity('512Mi')).toBe(512 * 2 ** 20);
    expect(quantity('1.5Gi')).toBe(1.5 * 2 ** 30);
    expect(quantity('1Ei')).toBe(2 ** 60);
    expect(quantity('2k')).toBe(2000);
    expect(quantity('500m')).toBe(0.5);
    expect(quantity('250u')).toBeCloseTo(0.00025, 12);
    expect(quantity('1E')).toBe(1e18);
    expect(quantity('1048576')).toBe(1048576);
    expect(quantity(' 1G ')).toBe(1e9);
  });

  it('reads a decimal exponent, as the API server returns a quantity written that way', () => {
    expect(quantity('5e8')).toBe(5e8);
    expect(quantity('500e6')).toBe(5e8);
    expect(quantity('1.5E3')).toBe(1500);
    expect(quantity('25e-3')).toBeCloseTo(0.025, 12);
  });

  it('reads the signed and bare-fraction forms of the grammar', () => {
    expect(quantity('+1Gi')).toBe(2 ** 30);
    expect(quantity('.5Gi')).toBe(2 ** 29);
    expect(quantity('1.Gi')).toBe(2 ** 30);
  });

  it('is NaN for what is not a quantity', () => {
    for (const value of ['', 'Gi', '1 Gi', '1GB', '1iB', '1e', 'e3', '1..5', 'lots']) {
      expect(quantity(value)).toBeNaN();
    }
  });
});

describe('parseBytes', () => {
  it('is the quantity, and refuses what is not one by name', () => {
    expect(parseBytes('5e8')).toBe(5e8);
    expect(() => parseBytes('a lot')).toThrow(new ValidationError('not a byte quantity: "a lot"'));
  });
});

describe('formatBytes and grow', () => {
  it('rounds up to whole units', () => {
    expect(formatBytes(5e8, 'Mi')).toBe('477Mi');
    expect(formatBytes(2 ** 30, 'Gi')).toBe('1Gi');
    expect(formatBytes(2 ** 30 + 2 ** 20, 'Gi')).toBe('2Gi');
  });

  it('grows by the factor up to the cap, and says when it is already there', () => {
    expect(grow('256Mi', 1.5, '2Gi', 'Mi')).toBe('384Mi');
    expect(grow('5e8', 1.5, '2Gi', 'Mi')).toBe('716Mi');
    expect(grow('1536Mi', 1.5, '2Gi', 'Mi')).toBe('2Gi');
    expect(grow('2Gi', 1.5, '2Gi', 'Mi')).toBeUndefined();
  });
});

describe('QUANTITY (what the config accepts)', () => {
  it('takes the suffixed forms an operator writes', () => {
    expect(['512Mi', '4Gi', '1.5T', '100'].every((value) => QUANTITY.test(value))).toBe(true);
    expect(['4 Gi', '-1Gi', 'big'].some((value) => QUANTITY.test(value))).toBe(false);
  });
});
