import { type ChildProcess, spawn } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseAllocator } from '../../../src/allocator.js';

/** `npm start`'s launcher (`src/launch.ts`), run as a process the way `node dist/launch.js` runs. */
describe('the launcher', () => {
  const dataDir = mkdtempSync(path.join(tmpdir(), 'datalive-launch-'));
  const started: ChildProcess[] = [];
  afterAll(() => {
    for (const child of started) child.kill('SIGKILL');
    rmSync(dataDir, { recursive: true, force: true });
  });

  async function launch(extraEnv: Record<string, string>) {
    const child = spawn(process.execPath, ['--import', 'tsx', 'src/launch.ts'], {
      env: {
        PATH: process.env.PATH ?? '',
        HOME: process.env.HOME ?? '',
        DATALIVE_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
        ...extraEnv,
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    started.push(child);
    const allocator = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 90_000);
      child.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"allocator":"(\w+)".*"msg":"datalive api listening"/.exec(output);
        if (match) {
          clearTimeout(timer);
          resolve(match[1] as string);
        }
      });
    });
    const serverFile = path.join(dataDir, 'server.json');
    const serverPid = existsSync(serverFile)
      ? (JSON.parse(readFileSync(serverFile, 'utf8')) as { pid: number }).pid
      : 0;
    return { child, allocator, serverPid };
  }

  const stop = async (child: ChildProcess) => {
    const exited = once(child, 'exit');
    child.kill('SIGTERM');
    const [code] = (await exited) as [number | null];
    return code;
  };

  it('runs the server with jemalloc preloaded when the system has it, and forwards SIGTERM to it', async () => {
    const jemalloc = chooseAllocator({}).library !== null;
    const { child, allocator, serverPid } = await launch({});
    expect(allocator).toBe(jemalloc ? 'jemalloc' : 'system');
    expect(serverPid).toBeGreaterThan(0);
    if (jemalloc) expect(serverPid).not.toBe(child.pid);
    else expect(serverPid).toBe(child.pid);
    expect(await stop(child)).toBe(0);
    expect(() => process.kill(serverPid, 0)).toThrow();
  }, 120_000);

  it('runs the server in its own process on the system allocator with DATALIVE_ALLOCATOR=system', async () => {
    const { child, allocator, serverPid } = await launch({ DATALIVE_ALLOCATOR: 'system' });
    expect(allocator).toBe('system');
    expect(serverPid).toBe(child.pid);
    expect(await stop(child)).toBe(0);
  }, 120_000);
});
