import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

describe('test setup on a fresh machine', () => {
  it('runs scripts/pretest.sh before npm test, with the runner every helper shares', () => {
    const scripts = (JSON.parse(readFileSync('package.json', 'utf8')) as { scripts: Record<string, string> })
      .scripts;
    expect(scripts.pretest).toBe('bash scripts/pretest.sh');
    expect(readFileSync('scripts/pretest.sh', 'utf8')).toBe(
      [
        '#!/usr/bin/env bash',
        '# Installs what the test suite needs on a fresh machine (idempotent): every scripts/pretest.d/*.sh in order.',
        'set -euo pipefail',
        'cd "$(dirname "$0")/.."',
        'for step in scripts/pretest.d/*.sh; do bash "$step"; done',
        '',
      ].join('\n'),
    );
  });

  it('finds pgvector 0.8.0 already installed and does nothing, printing nothing', () => {
    const output = execFileSync('bash', ['scripts/pretest.d/20-pgvector.sh'], { encoding: 'utf8' });
    expect(output).toBe('');
  });
});
