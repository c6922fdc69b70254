import { createServer, type Server, type Socket } from 'node:net';
import type { PGlite } from '@electric-sql/pglite';

const SSL_REQUEST = 80877103;
const GSSENC_REQUEST = 80877104;
const CANCEL_REQUEST = 80877102;
const PROTOCOL_3 = 196608;
const SYNC = 0x53;
const QUERY = 0x51;
const TERMINATE = 0x58;
const SYNC_MESSAGE = Uint8Array.of(SYNC, 0, 0, 0, 4);

/** Options of {@link PGliteWireServer}. */
export interface PGliteWireServerOptions {
  /** Where to listen: a Unix socket path, or a TCP host and port. */
  listen: string | { host: string; port: number };
  /** Most client connections served at once. */
  maxConnections: number;
}

interface Batch {
  readonly bytes: Buffer;
  /** Its last message ends a request (Sync, a simple Query, or the startup message). */
  readonly endsRequest: boolean;
}

interface Connection {
  readonly socket: Socket;
  buffered: Buffer;
  started: boolean;
  /** Complete messages received and not yet run, one batch per read. */
  readonly batches: Batch[];
  /** The last batch run left a request unfinished: the rest of it is due before others may run. */
  midRequest: boolean;
  /** Terminate arrived: close once the batches before it have run. */
  ending: boolean;
  closed: boolean;
}

/**
 * The Postgres wire protocol on a Unix socket in front of one PGlite session, for a few `pg` clients.
 *
 * Every complete message a read brings is run in one call into PGlite (an extended-protocol query's
 * Parse/Bind/Describe/Execute/Sync cross into WASM once, not five times) and its answer is written back
 * in one socket write. PGlite has one session, so a connection that is inside a transaction, or part way
 * through a request, keeps the session until it ends; other connections' messages wait meanwhile. A
 * connection that goes away mid-request or mid-transaction has its request ended and its transaction
 * rolled back. Terminate closes the connection without reaching PGlite; SSL and GSS encryption requests
 * are declined and cancel requests are dropped (there is no backend process to signal).
 */
export class PGliteWireServer {
  private server: Server | null = null;
  private readonly connections = new Set<Connection>();
  private readonly waiting: Connection[] = [];
  private owner: Connection | null = null;
  private running = false;

  constructor(
    private readonly db: PGlite,
    private readonly options: PGliteWireServerOptions,
  ) {}

  /** Listens once PGlite is ready. */
  async start(): Promise<void> {
    await this.db.waitReady;
    const server = createServer((socket) => this.accept(socket));
    server.maxConnections = this.options.maxConnections;
    this.server = server;
    const { listen } = this.options;
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      const listening = () => {
        server.off('error', reject);
        resolve();
      };
      if (typeof listen === 'string') server.listen(listen, listening);
      else server.listen(listen.port, listen.host, listening);
    });
  }

  /** Closes every connection and stops listening. */
  async stop(): Promise<void> {
    for (const connection of this.connections) connection.socket.destroy();
    const server = this.server;
    this.server = null;
    if (server) await new Promise<void>((resolve) => server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection: Connection = {
      socket,
      buffered: Buffer.alloc(0),
      started: false,
      batches: [],
      midRequest: false,
      ending: false,
      closed: false,
    };
    this.connections.add(connection);
    socket.setNoDelay(true);
    socket.on('data', (data: Buffer) => this.receive(connection, data));
    socket.on('error', () => socket.destroy());
    socket.on('close', () => void this.release(connection));
  }

  private receive(connection: Connection, data: Buffer): void {
    if (connection.ending) return;
    connection.buffered =
      connection.buffered.length === 0 ? data : Buffer.concat([connection.buffered, data]);
    if (!connection.started && !this.startUp(connection)) return;
    const { buffered } = connection;
    let end = 0;
    let lastType: number | undefined;
    while (buffered.length - end >= 5) {
      const length = 1 + buffered.readInt32BE(end + 1);
      if (length < 5) {
        connection.socket.destroy();
        return;
      }
      if (buffered.length - end < length) break;
      if (buffered[end] === TERMINATE) {
        connection.ending = true;
        break;
      }
      lastType = buffered[end];
      end += length;
    }
    connection.buffered = connection.ending ? Buffer.alloc(0) : buffered.subarray(end);
    if (end > 0) {
      const endsRequest = lastType === SYNC || lastType === QUERY;
      connection.batches.push({ bytes: buffered.subarray(0, end), endsRequest });
      this.enqueue(connection);
    } else if (connection.ending && connection.batches.length === 0) connection.socket.end();
  }

  /**
   * Handles the untyped messages that open a connection; true once the startup message has been queued
   * (what follows is typed messages), false while more bytes are needed or the connection is done.
   */
  private startUp(connection: Connection): boolean {
    for (;;) {
      const { buffered } = connection;
      if (buffered.length < 8) return false;
      const length = buffered.readInt32BE(0);
      const code = buffered.readInt32BE(4);
      if (code === SSL_REQUEST || code === GSSENC_REQUEST) {
        connection.buffered = buffered.subarray(8);
        connection.socket.write('N');
        continue;
      }
      if (code === CANCEL_REQUEST) {
        connection.socket.end();
        connection.buffered = Buffer.alloc(0);
        return false;
      }
      if (code !== PROTOCOL_3) {
        connection.socket.destroy();
        return false;
      }
      if (buffered.length < length) return false;
      connection.batches.push({ bytes: buffered.subarray(0, length), endsRequest: true });
      connection.buffered = buffered.subarray(length);
      connection.started = true;
      this.enqueue(connection);
      return true;
    }
  }

  private enqueue(connection: Connection): void {
    this.wait(connection);
    void this.drain();
  }

  /** Puts a connection with batches to run in line, once, unless it holds the session. */
  private wait(connection: Connection): void {
    if (connection !== this.owner && !this.waiting.includes(connection)) this.waiting.push(connection);
  }

  private async drain(): Promise<void> {
    if (this.running) return;
    this.running = true;
    try {
      for (;;) {
        const connection = this.owner ?? this.waiting.shift();
        if (!connection) break;
        const batch = connection.batches.shift();
        if (!batch) {
          if (connection === this.owner) break;
          continue;
        }
        await this.run(connection, batch);
        if (connection.batches.length > 0) this.wait(connection);
      }
    } finally {
      this.running = false;
    }
  }

  private async run(connection: Connection, batch: Batch): Promise<void> {
    const answer: Buffer[] = [];
    try {
      await this.db.runExclusive(() =>
        this.db.execProtocolRawStream(batch.bytes, {
          onRawData: (chunk) => answer.push(Buffer.from(chunk)),
        }),
      );
    } catch {
      connection.socket.destroy();
    }
    connection.midRequest = !batch.endsRequest;
    this.owner =
      !connection.closed && (connection.midRequest || this.db.isInTransaction()) ? connection : null;
    if (!connection.closed) {
      if (answer.length > 0)
        connection.socket.write(answer.length === 1 ? (answer[0] as Buffer) : Buffer.concat(answer));
      if (connection.ending && connection.batches.length === 0) connection.socket.end();
    }
    if (this.owner === null && connection.closed) await this.endSessionOf(connection);
  }

  private async release(connection: Connection): Promise<void> {
    connection.closed = true;
    connection.batches.length = 0;
    this.connections.delete(connection);
    const queued = this.waiting.indexOf(connection);
    if (queued >= 0) this.waiting.splice(queued, 1);
    if (this.owner !== connection || this.running) return;
    this.owner = null;
    await this.endSessionOf(connection);
    void this.drain();
  }

  /** Ends what a departed connection left open on the shared session: its request, then its transaction. */
  private async endSessionOf(connection: Connection): Promise<void> {
    await this.db.runExclusive(async () => {
      if (connection.midRequest) await this.db.execProtocolRaw(SYNC_MESSAGE);
      connection.midRequest = false;
      if (this.db.isInTransaction()) await this.db.execProtocolRaw(encodeQuery('ROLLBACK'));
    });
  }
}

function encodeQuery(sql: string): Uint8Array {
  const text = Buffer.from(`${sql}\0`, 'utf8');
  const message = Buffer.alloc(5 + text.length);
  message[0] = QUERY;
  message.writeInt32BE(4 + text.length, 1);
  text.copy(message, 5);
  return message;
}
