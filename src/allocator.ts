import { existsSync, readFileSync } from 'node:fs';

/** Where Debian, Ubuntu and the Docker image keep jemalloc (`libjemalloc2`), per architecture. */
export const JEMALLOC_CANDIDATES = [
  '/usr/local/lib/libjemalloc.so.2',
  '/usr/lib/x86_64-linux-gnu/libjemalloc.so.2',
  '/usr/lib/aarch64-linux-gnu/libjemalloc.so.2',
  '/usr/lib64/libjemalloc.so.2',
  '/usr/lib/libjemalloc.so.2',
] as const;

/** How jemalloc's shared library is named, in `LD_PRELOAD` and in a process's memory map. */
const JEMALLOC_LIBRARY = /libjemalloc\.so/;

/** The memory allocator the server process runs with, and the environment that gives it. */
export interface AllocatorChoice {
  allocator: 'jemalloc' | 'system';
  /** The library preloaded, when `allocator` is jemalloc. */
  library: string | null;
  /** The environment to start the server with (`LD_PRELOAD` added when jemalloc is chosen). */
  env: NodeJS.ProcessEnv;
  /** Whether this process must start the server as a child to get it (jemalloc chosen, not yet preloaded). */
  relaunch: boolean;
}

/**
 * Chooses the allocator for the server process (ADR 0013): jemalloc when the system has it, on Linux,
 * unless `DATALIVE_ALLOCATOR=system` (default `auto`; `loadConfig`
 * rejects any other value); the C library's malloc otherwise. DuckDB plans and runs every
 * statement with many short-lived allocations, and under concurrent queries glibc's malloc costs it
 * 10–20 % more CPU. A preload only takes effect when a process starts, hence `relaunch`.
 */
export function chooseAllocator(
  env: NodeJS.ProcessEnv,
  options: { platform?: NodeJS.Platform; exists?: (file: string) => boolean } = {},
): AllocatorChoice {
  const preloaded = env.LD_PRELOAD ?? '';
  const already = preloaded.split(/[:\s]+/).find((entry) => JEMALLOC_LIBRARY.test(entry));
  if (already) return { allocator: 'jemalloc', library: already, env, relaunch: false };
  const platform = options.platform ?? process.platform;
  const exists = options.exists ?? existsSync;
  const library =
    platform === 'linux' && env.DATALIVE_ALLOCATOR !== 'system'
      ? JEMALLOC_CANDIDATES.find((candidate) => exists(candidate))
      : undefined;
  if (!library) return { allocator: 'system', library: null, env, relaunch: false };
  return {
    allocator: 'jemalloc',
    library,
    env: { ...env, LD_PRELOAD: preloaded ? `${library}:${preloaded}` : library },
    relaunch: true,
  };
}

/**
 * The allocator this process actually runs with: jemalloc when the library is mapped into it (read from
 * `/proc/self/maps`, so a preload that failed to load is not counted), the system's otherwise.
 */
export function activeAllocator(mapsFile = '/proc/self/maps'): 'jemalloc' | 'system' {
  try {
    return JEMALLOC_LIBRARY.test(readFileSync(mapsFile, 'utf8')) ? 'jemalloc' : 'system';
  } catch {
    return 'system';
  }
}
