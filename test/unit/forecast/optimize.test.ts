import { describe, expect, it } from 'vitest';
import { goldenSection, nelderMead } from '../../../src/domain/forecast/optimize.js';
import { quantileSorted } from '../../../src/domain/forecast/stats.js';

describe('numerical helpers', () => {
  it('finds the Rosenbrock minimum with Nelder–Mead', () => {
    const rosenbrock = ([x, y]: readonly number[]) => (1 - x!) ** 2 + 100 * (y! - x! ** 2) ** 2;
    const result = nelderMead(rosenbrock, [-1.2, 1], { maxIterations: 2000, tolerance: 1e-16 });
    expect(result.point[0]).toBeCloseTo(1, 4);
    expect(result.point[1]).toBeCloseTo(1, 4);
  });

  it('finds a one-dimensional minimum by golden section', () => {
    expect(goldenSection((x) => (x - 2.5) ** 2, 0, 10).x).toBeCloseTo(2.5, 8);
  });

  it('interpolates quantiles linearly (type 7)', () => {
    const sorted = [1, 2, 3, 4];
    expect(quantileSorted(sorted, 0.5)).toBe(2.5);
    expect(quantileSorted(sorted, 0.1)).toBeCloseTo(1.3, 12);
    expect(quantileSorted(sorted, 1)).toBe(4);
    expect(Number.isNaN(quantileSorted([], 0.5))).toBe(true);
  });
});
