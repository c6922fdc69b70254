import { type ChildProcess, execSync, spawn } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { chooseAllocator } from '../../src/allocator.js';

/**
 * No Docker engine runs here, so this test replays the Dockerfile: each stage's WORKDIR becomes a temp
 * folder, COPY copies (from the repo or an earlier stage), RUN runs in that folder, ENV is collected, and
 * the final CMD is started with production dependencies only. RUN lines that only prepare system paths
 * of the image (absolute paths outside WORKDIR: the data volume, the jemalloc package) are reported and
 * skipped; the image's `LD_PRELOAD` becomes this machine's jemalloc when it has one, and is dropped otherwise.
 */

interface Stage {
  name: string;
  dir: string;
  env: Record<string, string>;
  cmd: string[] | null;
  healthcheck: string[] | null;
  skipped: string[];
  /** Remote `ADD`s (no network here): URL, pinned checksum and destination, checked rather than fetched. */
  downloads: Array<{ url: string; checksum: string | undefined; destination: string }>;
}

const ROOT = process.cwd();

function instructions(dockerfile: string): Array<[string, string]> {
  return dockerfile
    .replace(/\\\n/g, ' ')
    .split('\n')
    .map((line) => line.trim())
    .filter((line) => line && !line.startsWith('#'))
    .map((line) => {
      const [keyword, ...rest] = line.split(/\s+/);
      return [(keyword as string).toUpperCase(), rest.join(' ')];
    });
}

function replay(dockerfile: string, workRoot: string): Stage[] {
  const stages: Stage[] = [];
  let stage: Stage | undefined;
  for (const [keyword, args] of instructions(dockerfile)) {
    if (keyword === 'FROM') {
      const name = args.split(/\s+AS\s+/i)[1] ?? `stage${stages.length}`;
      stage = {
        name,
        dir: mkdtempSync(path.join(workRoot, `${name}-`)),
        env: {},
        cmd: null,
        healthcheck: null,
        skipped: [],
        downloads: [],
      };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${keyword} before FROM`);
    const current = stage;
    if (keyword === 'WORKDIR' || keyword === 'USER' || keyword === 'EXPOSE') continue;
    if (keyword === 'ENV') {
      for (const pair of args.match(/\S+=\S+/g) ?? []) {
        const [name, value] = pair.split('=') as [string, string];
        current.env[name] = value;
      }
    } else if (keyword === 'COPY') {
      const parts = args.split(/\s+/);
      const from = parts[0]?.startsWith('--from=') ? (parts.shift() as string).slice(7) : null;
      const destination = parts.pop() as string;
      const sourceRoot = from ? (stages.find((candidate) => candidate.name === from) as Stage).dir : ROOT;
      for (const source of parts) {
        const target = destination.endsWith('/')
          ? path.join(current.dir, destination, path.basename(source))
          : path.join(current.dir, destination);
        cpSync(path.join(sourceRoot, source.replace(/^\/app\//, '')), target, { recursive: true });
      }
    } else if (keyword === 'ADD') {
      const parts = args.split(/\s+/);
      const flags = parts.filter((part) => part.startsWith('--'));
      const [url, destination] = parts.filter((part) => !part.startsWith('--')) as [string, string];
      if (!/^https:\/\//.test(url)) throw new Error(`ADD of a local path (use COPY): ${args}`);
      const checksum = flags.find((flag) => flag.startsWith('--checksum='))?.slice('--checksum='.length);
      current.downloads.push({ url, checksum, destination });
    } else if (keyword === 'RUN') {
      if (/\s\/(?!app)/.test(` ${args}`)) {
        current.skipped.push(args);
        continue;
      }
      execSync(args, {
        cwd: current.dir,
        stdio: 'pipe',
        env: { ...process.env, ...current.env },
        timeout: 300_000,
      });
    } else if (keyword === 'CMD') {
      current.cmd = JSON.parse(args) as string[];
    } else if (keyword === 'HEALTHCHECK') {
      const command = args.slice(args.indexOf('CMD') + 3).trim();
      current.healthcheck = JSON.parse(command) as string[];
    }
  }
  return stages;
}

describe('the Dockerfile, replayed without a Docker engine', () => {
  const workRoot = mkdtempSync(path.join(tmpdir(), 'datalive-image-'));
  let server: ChildProcess | undefined;
  afterAll(() => {
    server?.kill('SIGKILL');
    rmSync(workRoot, { recursive: true, force: true });
  });

  it('builds with production dependencies only, starts with its CMD and passes its HEALTHCHECK', async () => {
    const stages = replay(readFileSync('Dockerfile', 'utf8'), workRoot);
    const runtime = stages.at(-1) as Stage;
    expect(runtime.cmd).toEqual(['node', 'dist/server.js']);
    expect(existsSync(path.join(runtime.dir, 'dist/server.js'))).toBe(true);
    expect(existsSync(path.join(runtime.dir, 'node_modules/vitest'))).toBe(false);
    expect(existsSync(path.join(runtime.dir, 'node_modules/hono'))).toBe(true);
    expect(
      runtime.skipped.every(
        (line) =>
          line.includes('/var/lib/datalive') ||
          line.includes('install -y --no-install-recommends libjemalloc2'),
      ),
    ).toBe(true);
    const jemallocLine = runtime.skipped.find((line) => line.includes('libjemalloc2')) ?? '';
    expect(jemallocLine).toContain(
      `ln -s "/usr/lib/$(uname -m)-linux-gnu/libjemalloc.so.2" ${runtime.env.LD_PRELOAD}`,
    );
    expect(runtime.downloads).toEqual([
      {
        url: 'https://truststore.pki.rds.amazonaws.com/global/global-bundle.pem',
        checksum: expect.stringMatching(/^sha256:[0-9a-f]{64}$/),
        destination: runtime.env.DATABASE_SSL_CA_FILE,
      },
    ]);
    const localJemalloc = chooseAllocator({}).library;
    const { LD_PRELOAD: _imagePath, ...imageEnv } = runtime.env;

    const dataDir = path.join(workRoot, 'data');
    mkdirSync(dataDir);
    const [command, ...args] = runtime.cmd as string[];
    server = spawn(command as string, args, {
      cwd: runtime.dir,
      env: {
        PATH: process.env.PATH ?? '',
        ...imageEnv,
        ...(localJemalloc ? { LD_PRELOAD: localJemalloc } : {}),
        DATALIVE_DATA_DIR: dataDir,
        PORT: '0',
        HOST: '127.0.0.1',
        LOG_LEVEL: 'info',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let allocator = '';
    const url = await new Promise<string>((resolve, reject) => {
      let output = '';
      const timer = setTimeout(() => reject(new Error(`no listening line: ${output}`)), 90_000);
      server?.stdout?.on('data', (chunk: Buffer) => {
        output += chunk.toString();
        const match = /"url":"(http:\/\/[^"]+)".*"allocator":"(\w+)".*"msg":"datalive api listening"/.exec(
          output,
        );
        if (match) {
          clearTimeout(timer);
          allocator = match[2] as string;
          resolve(match[1] as string);
        }
      });
    });
    expect(allocator).toBe(localJemalloc ? 'jemalloc' : 'system');
    const ready = await fetch(`${url}/health/ready`);
    expect(ready.status).toBe(200);
    const consolePage = await (await fetch(`${url}/console`)).text();
    for (const asset of consolePage.match(/\/console\/assets\/[^"]+/g) ?? []) {
      expect((await fetch(`${url}${asset}`)).status, asset).toBe(200);
    }
    expect(consolePage.match(/\/console\/assets\//g)).toHaveLength(5);
    const [hcCommand, ...hcArgs] = runtime.healthcheck as string[];
    const port = new URL(url).port;
    execSync([hcCommand, ...hcArgs.map((arg) => JSON.stringify(arg))].join(' '), {
      env: { ...process.env, PORT: port },
      stdio: 'pipe',
      timeout: 10_000,
    });
  }, 400_000);
});
