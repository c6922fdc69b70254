import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { PGliteWireServer } from '../../../src/adapters/postgres/pglite-wire-server.js';

/** One typed frontend message: type byte, length, body. */
function message(type: string, body: Buffer = Buffer.alloc(0)): Buffer {
  const header = Buffer.alloc(5);
  header.write(type, 0, 'latin1');
  header.writeInt32BE(4 + body.length, 1);
  return Buffer.concat([header, body]);
}

const cstring = (text: string) => Buffer.from(`${text}\0`, 'utf8');
const int16 = (value: number) => Buffer.from([value >> 8, value & 0xff]);
const int32 = (value: number) => {
  const buffer = Buffer.alloc(4);
  buffer.writeInt32BE(value);
  return buffer;
};

function startupMessage(): Buffer {
  const body = Buffer.concat([
    int32(196608),
    cstring('user'),
    cstring('postgres'),
    cstring('database'),
    cstring('postgres'),
    Buffer.from([0]),
  ]);
  return Buffer.concat([int32(4 + body.length), body]);
}

/** Parse + Bind (no parameters) of the unnamed statement: the first half of an extended query. */
const parseAndBind = (sql: string) =>
  Buffer.concat([
    message('P', Buffer.concat([cstring(''), cstring(sql), int16(0)])),
    message('B', Buffer.concat([cstring(''), cstring(''), int16(0), int16(0), int16(0)])),
  ]);
/** Describe + Execute + Sync of the unnamed portal: the second half. */
const describeExecuteSync = () =>
  Buffer.concat([
    message('D', Buffer.concat([Buffer.from('P'), cstring('')])),
    message('E', Buffer.concat([cstring(''), int32(0)])),
    message('S'),
  ]);

/** A raw protocol client: collects what the server sends and waits for it. */
class RawClient {
  private received = Buffer.alloc(0);
  private waiters: Array<() => void> = [];

  private constructor(readonly socket: Socket) {
    socket.on('data', (data: Buffer) => {
      this.received = Buffer.concat([this.received, data]);
      for (const wake of this.waiters.splice(0)) wake();
    });
  }

  static async connect(socketPath: string): Promise<RawClient> {
    const socket = createConnection(socketPath);
    await new Promise<void>((resolve, reject) => socket.once('connect', resolve).once('error', reject));
    return new RawClient(socket);
  }

  /** Waits until the bytes received so far satisfy `done`, then returns them all. */
  async until(done: (received: Buffer) => boolean, timeoutMs = 5_000): Promise<Buffer> {
    const deadline = Date.now() + timeoutMs;
    while (!done(this.received)) {
      if (Date.now() > deadline) throw new Error(`timed out; received ${this.received.toString('latin1')}`);
      await new Promise<void>((resolve) => {
        this.waiters.push(resolve);
        setTimeout(resolve, 50);
      });
    }
    return this.received;
  }

  /** Message type bytes received so far, in order. */
  types(): string {
    let types = '';
    for (let offset = 0; this.received.length - offset >= 5; ) {
      types += String.fromCharCode(this.received[offset] as number);
      offset += 1 + this.received.readInt32BE(offset + 1);
    }
    return types;
  }

  async startUp(): Promise<void> {
    this.socket.write(startupMessage());
    await this.until(() => this.types().includes('Z'));
    this.received = Buffer.alloc(0);
  }
}

describe('the PGlite wire-protocol server', () => {
  let pglite: PGlite;
  let server: PGliteWireServer;
  let socketDir: string;
  let socketPath: string;
  const pools: pg.Pool[] = [];
  const raws: RawClient[] = [];

  const poolOf = () => {
    const pool = new pg.Pool({ host: socketDir, port: 5432, user: 'postgres', database: 'postgres', max: 1 });
    pool.on('error', () => {});
    pools.push(pool);
    return pool;
  };
  const rawClient = async () => {
    const raw = await RawClient.connect(socketPath);
    raws.push(raw);
    return raw;
  };

  beforeAll(async () => {
    pglite = await PGlite.create('memory://');
    socketDir = mkdtempSync(path.join(tmpdir(), 'datalive-wire-'));
    socketPath = path.join(socketDir, '.s.PGSQL.5432');
    server = new PGliteWireServer(pglite, { listen: socketPath, maxConnections: 8 });
    await server.start();
    await pglite.exec('CREATE TABLE wire_rows (id int PRIMARY KEY, note text)');
  });

  afterEach(async () => {
    for (const raw of raws.splice(0)) raw.socket.destroy();
    await Promise.all(pools.splice(0).map((pool) => pool.end()));
    await pglite.exec('DELETE FROM wire_rows');
  });

  afterAll(async () => {
    await server.stop();
    await pglite.close();
    rmSync(socketDir, { recursive: true, force: true });
  });

  it('answers queries with parameters, errors and large results through pg', async () => {
    const pool = poolOf();
    const { rows } = await pool.query<{ total: string }>(
      'SELECT sum(n)::text AS total FROM generate_series(1, $1::int) n',
      [1000],
    );
    expect(rows[0]?.total).toBe('500500');
    await expect(pool.query('SELECT * FROM no_such_table')).rejects.toThrow(/no_such_table/);
    const large = await pool.query<{ n: number; pad: string }>(
      "SELECT n, repeat('x', 100) AS pad FROM generate_series(1, 50000) n",
    );
    expect(large.rows).toHaveLength(50_000);
    expect(large.rows.at(-1)).toEqual({ n: 50_000, pad: 'x'.repeat(100) });
  });

  it("keeps a connection's transaction to itself: another connection waits until it ends", async () => {
    const first = await poolOf().connect();
    const second = poolOf();
    await first.query('BEGIN');
    await first.query("INSERT INTO wire_rows VALUES (1, 'inside')");
    const order: string[] = [];
    const seen = second.query<{ n: number }>('SELECT count(*)::int AS n FROM wire_rows').then((result) => {
      order.push('second read');
      return result.rows[0]?.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    await first.query("INSERT INTO wire_rows VALUES (2, 'inside')");
    order.push('first commit');
    await first.query('COMMIT');
    expect(await seen).toBe(2);
    expect(order).toEqual(['first commit', 'second read']);
    first.release();
  });

  it('rolls back the transaction of a connection that goes away, and serves the others', async () => {
    const leaving = await rawClient();
    await leaving.startUp();
    leaving.socket.write(message('Q', cstring("BEGIN; INSERT INTO wire_rows VALUES (3, 'abandoned')")));
    await leaving.until(() => leaving.types().endsWith('Z'));
    const other = poolOf();
    const pending = other.query<{ n: number }>('SELECT count(*)::int AS n FROM wire_rows');
    leaving.socket.destroy();
    expect((await pending).rows[0]?.n).toBe(0);
    expect(pglite.isInTransaction()).toBe(false);
  });

  it('runs a request that arrives in pieces before any other connection', async () => {
    const split = await rawClient();
    await split.startUp();
    split.socket.write(parseAndBind('SELECT 41 + 1 AS answer'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    const other = poolOf();
    const order: string[] = [];
    const pending = other.query<{ n: number }>('SELECT 7 AS n').then((result) => {
      order.push('other');
      return result.rows[0]?.n;
    });
    await new Promise((resolve) => setTimeout(resolve, 100));
    order.push('rest of split request');
    split.socket.write(describeExecuteSync());
    const received = await split.until(() => split.types().endsWith('Z'));
    expect(split.types()).toBe('12TDCZ');
    expect(received.toString('latin1')).toContain('42');
    expect(await pending).toBe(7);
    expect(order).toEqual(['rest of split request', 'other']);
  });

  it('ends the unfinished request of a connection that goes away mid-request', async () => {
    const split = await rawClient();
    await split.startUp();
    split.socket.write(parseAndBind('SELECT 1'));
    await new Promise((resolve) => setTimeout(resolve, 50));
    split.socket.destroy();
    const { rows } = await poolOf().query<{ n: number }>('SELECT 5 AS n');
    expect(rows[0]?.n).toBe(5);
  });

  it('declines SSL, closes on Terminate without ending the shared session, and drops cancel requests', async () => {
    const raw = await rawClient();
    raw.socket.write(Buffer.concat([int32(8), int32(80877103)]));
    expect((await raw.until((received) => received.length >= 1)).toString('latin1')).toBe('N');
    const closed = new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
    const pool = poolOf();
    await pool.query('SET application_name = wire_test');
    const client = await RawClient.connect(socketPath);
    raws.push(client);
    await client.startUp();
    client.socket.write(message('X'));
    await new Promise<void>((resolve) => client.socket.once('close', () => resolve()));
    const { rows } = await pool.query<{ application_name: string }>('SHOW application_name');
    expect(rows[0]?.application_name).toBe('wire_test');
    raw.socket.destroy();
    await closed;
    const cancel = await rawClient();
    const cancelClosed = new Promise<void>((resolve) => cancel.socket.once('close', () => resolve()));
    cancel.socket.write(Buffer.concat([int32(16), int32(80877102), int32(1), int32(2)]));
    await cancelClosed;
    expect((await pool.query<{ n: number }>('SELECT 1 AS n')).rows[0]?.n).toBe(1);
  });

  it('closes a connection that sends a message with an impossible length, and serves the others', async () => {
    const raw = await rawClient();
    await raw.startUp();
    const closed = new Promise<void>((resolve) => raw.socket.once('close', () => resolve()));
    raw.socket.write(Buffer.concat([Buffer.from('Q'), int32(2)]));
    await closed;
    expect((await poolOf().query<{ n: number }>('SELECT 3 AS n')).rows[0]?.n).toBe(3);
  });
});
