import { describe, expect, it } from '@jest/globals';
import fc from 'fast-check';

import { ewma, linearTrend, mad, median, robustScore, secondsToLimit, type Sample } from '../../../lib/models/stats.ts';

describe('model statistics', () => {
  it('takes the median of odd and even counts, NaN of none', () => {
    expect(median([5, 1, 3])).toBe(3);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(median([])).toBeNaN();
  });

  it('scales the MAD to a standard deviation, and ignores a few outliers', () => {
    expect(mad([1, 2, 3, 4, 5])).toBeCloseTo(1.4826, 4);
    expect(mad([10, 10, 11, 9, 10, 1000])).toBeCloseTo(1.4826 * 0.5, 4);
  });

  it('scores a value in robust deviations from the baseline', () => {
    const baseline = [100, 102, 98, 101, 99, 100, 103, 97];
    expect(robustScore(100, baseline)).toBeCloseTo(0, 5);
    expect(robustScore(130, baseline)).toBeGreaterThan(10);
    expect(robustScore(5, [5, 5, 5])).toBe(0);
    expect(robustScore(6, [5, 5, 5])).toBe(Number.POSITIVE_INFINITY);
  });

  it('follows recent values more with a larger alpha', () => {
    const values = [0, 0, 0, 10];
    expect(ewma(values, 0.5)).toBe(5);
    expect(ewma(values, 0.1)).toBeCloseTo(1, 10);
    expect(ewma([], 0.5)).toBeNaN();
  });

  it('fits a line and says when it reaches a limit, like predict_linear', () => {
    // 4 MiB a minute from 100 MiB.
    const samples: Sample[] = Array.from({ length: 61 }, (_, minute) => [minute * 60, 100 + 4 * minute]);
    const { slopePerSecond, valueAt } = linearTrend(samples);

    expect(slopePerSecond * 60).toBeCloseTo(4, 10);
    expect(valueAt(3600)).toBeCloseTo(340, 8);
    expect(secondsToLimit(samples, 400, 3600)).toBeCloseTo(15 * 60, 6);
    expect(secondsToLimit(samples, 300, 3600)).toBe(0);
    expect(
      secondsToLimit(
        samples.map(([t]) => [t, 50] as const),
        100,
        3600,
      ),
    ).toBeUndefined();
  });

  it('recovers any exact line, and a median between the extremes (properties)', () => {
    fc.assert(
      fc.property(
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        fc.double({ min: -1e3, max: 1e3, noNaN: true }),
        (slope, intercept) => {
          const samples: Sample[] = Array.from({ length: 10 }, (_, i) => [i * 30, intercept + slope * i * 30]);
          expect(linearTrend(samples).slopePerSecond).toBeCloseTo(slope, 6);
        },
      ),
    );
    fc.assert(
      fc.property(fc.array(fc.double({ min: -1e6, max: 1e6, noNaN: true }), { minLength: 1 }), (values) => {
        const m = median(values);
        expect(m).toBeGreaterThanOrEqual(Math.min(...values));
        expect(m).toBeLessThanOrEqual(Math.max(...values));
      }),
    );
  });
});
