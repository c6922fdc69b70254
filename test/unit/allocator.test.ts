import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { activeAllocator, chooseAllocator, JEMALLOC_CANDIDATES } from '../../src/allocator.js';

const onlyThe = (file: string) => (candidate: string) => candidate === file;

describe('chooseAllocator', () => {
  it('preloads the first jemalloc found on Linux and asks for a relaunch', () => {
    const choice = chooseAllocator(
      { PATH: '/bin' },
      { platform: 'linux', exists: onlyThe('/usr/lib/aarch64-linux-gnu/libjemalloc.so.2') },
    );
    expect(choice).toEqual({
      allocator: 'jemalloc',
      library: '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
      env: { PATH: '/bin', LD_PRELOAD: '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2' },
      relaunch: true,
    });
  });

  it('keeps an existing preload after jemalloc', () => {
    const choice = chooseAllocator(
      { LD_PRELOAD: '/opt/trace.so' },
      { platform: 'linux', exists: onlyThe(JEMALLOC_CANDIDATES[1]) },
    );
    expect(choice.env.LD_PRELOAD).toBe(`${JEMALLOC_CANDIDATES[1]}:/opt/trace.so`);
  });

  it('does not relaunch when jemalloc is already preloaded (the Docker image)', () => {
    const env = { LD_PRELOAD: '/usr/local/lib/libjemalloc.so.2' };
    expect(chooseAllocator(env, { platform: 'linux', exists: () => true })).toEqual({
      allocator: 'jemalloc',
      library: '/usr/local/lib/libjemalloc.so.2',
      env,
      relaunch: false,
    });
  });

  it('stays on the system allocator when asked to, off Linux, or without the library', () => {
    const system = { allocator: 'system', library: null, relaunch: false };
    expect(
      chooseAllocator({ DATALIVE_ALLOCATOR: 'system' }, { platform: 'linux', exists: () => true }),
    ).toMatchObject(system);
    expect(chooseAllocator({}, { platform: 'darwin', exists: () => true })).toMatchObject(system);
    expect(chooseAllocator({}, { platform: 'linux', exists: () => false })).toMatchObject(system);
    expect(chooseAllocator({}, { platform: 'linux', exists: () => false }).env).toEqual({});
  });
});

describe('activeAllocator', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'datalive-maps-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('reads the mapped libraries, so a preload that did not load counts as the system allocator', () => {
    const maps = path.join(dir, 'maps');
    writeFileSync(maps, '7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libjemalloc.so.2\n');
    expect(activeAllocator(maps)).toBe('jemalloc');
    writeFileSync(maps, '7f00-7f01 r-xp 00000000 08:01 42 /usr/lib/x86_64-linux-gnu/libc.so.6\n');
    expect(activeAllocator(maps)).toBe('system');
    expect(activeAllocator(path.join(dir, 'missing'))).toBe('system');
  });
});
