import { execFileSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';

/** The type checker and the linter are part of the test suite, so CI fails on either. */
describe('static checks', () => {
  it('type-checks src, test, bench and infra', () => {
    const run = () =>
      execFileSync(process.execPath, ['node_modules/typescript/bin/tsc', '-p', 'tsconfig.json', '--noEmit'], {
        stdio: 'pipe',
      });
    expect(run).not.toThrow();
  }, 180_000);

  it('passes Biome lint and format checks', () => {
    const run = () => execFileSync('node_modules/.bin/biome', ['check', '.'], { stdio: 'pipe' });
    expect(run).not.toThrow();
  }, 60_000);
});
