import { connect as connectTls } from 'node:tls';
import type { TLSSocket } from 'node:tls';
import { readText } from './e2e-env.js';
import type { CertificateFiles, E2eEnv } from './e2e-env.js';

/** One HTTP/1.x response as read off the wire. */
export interface RawResponse {
  readonly status: number;
  readonly reason: string;
  readonly version: string;
  /** [name as sent, value] in order. */
  readonly headers: readonly (readonly [string, string])[];
  readonly body: Buffer;
  /** The body came chunked (Transfer-Encoding: chunked). */
  readonly isChunked: boolean;
  /** The body was read until the connection closed (no framing). */
  readonly isCloseDelimited: boolean;
  /** The first value of `name` (case-insensitive), or undefined. */
  header(name: string): string | undefined;
  /** Every value of `name` (case-insensitive). */
  headerAll(name: string): string[];
  /** The body as JSON (a problem+json refusal, or the echo upstream's record). */
  json(): Record<string, unknown>;
}

export interface ParsedResponses {
  readonly responses: RawResponse[];
  /** Bytes after the last complete response: an incomplete one, or garbage. */
  readonly rest: Buffer;
  /** A framing the parser could not read at `rest` (not merely incomplete). */
  readonly error: string | undefined;
}

export interface ParseOptions {
  /** The request methods in order, so that responses to HEAD are read without a body. */
  readonly methods?: readonly string[];
  /** The connection is closed: a response without framing ends here. */
  readonly isClosed?: boolean;
}

function makeResponse(
  version: string,
  status: number,
  reason: string,
  headers: [string, string][],
  body: Buffer,
  isChunked: boolean,
  isCloseDelimited: boolean,
): RawResponse {
  return {
    status,
    reason,
    version,
    headers,
    body,
    isChunked,
    isCloseDelimited,
    header: (name) => headers.find(([key]) => key.toLowerCase() === name.toLowerCase())?.[1],
    headerAll: (name) => headers.filter(([key]) => key.toLowerCase() === name.toLowerCase()).map(([, value]) => value),
    json: () => JSON.parse(body.toString('utf8')) as Record<string, unknown>,
  };
}

type Step = { kind: 'incomplete' } | { kind: 'error'; message: string } | { kind: 'ok'; response: RawResponse; used: number };

/** Decodes a chunked body from `start`: the data and where the message ends (after the trailer section), or incomplete/error. */
function readChunked(
  buffer: Buffer,
  start: number,
): { kind: 'incomplete' } | { kind: 'error'; message: string } | { kind: 'ok'; body: Buffer; end: number } {
  const parts: Buffer[] = [];
  let position = start;
  for (;;) {
    const lineEnd = buffer.indexOf('\r\n', position, 'latin1');
    if (lineEnd < 0) return { kind: 'incomplete' };
    const line = buffer.toString('latin1', position, lineEnd);
    const sizeText = line.split(';')[0]!.trim();
    if (!/^[0-9a-fA-F]+$/.test(sizeText)) return { kind: 'error', message: `bad chunk size line ${JSON.stringify(line)}` };
    const size = parseInt(sizeText, 16);
    position = lineEnd + 2;
    if (size === 0) {
      // Trailer section: field lines until an empty line.
      for (;;) {
        const end = buffer.indexOf('\r\n', position, 'latin1');
        if (end < 0) return { kind: 'incomplete' };
        if (end === position) return { kind: 'ok', body: Buffer.concat(parts), end: end + 2 };
        position = end + 2;
      }
    }
    if (buffer.length < position + size + 2) return { kind: 'incomplete' };
    parts.push(buffer.subarray(position, position + size));
    if (buffer[position + size] !== 0x0d || buffer[position + size + 1] !== 0x0a)
      return { kind: 'error', message: 'chunk data not followed by CRLF' };
    position += size + 2;
  }
}

function readOne(buffer: Buffer, method: string, isClosed: boolean): Step {
  const headEnd = buffer.indexOf('\r\n\r\n', 0, 'latin1');
  if (headEnd < 0)
    return buffer.length > 0 && !/^H(T(T(P(\/)?)?)?)?/.test(buffer.toString('latin1', 0, Math.min(5, buffer.length)))
      ? { kind: 'error', message: 'not a status line' }
      : { kind: 'incomplete' };
  const lines = buffer.toString('latin1', 0, headEnd).split('\r\n');
  const match = /^(HTTP\/\d\.\d) (\d{3})(?: (.*))?$/.exec(lines[0]!);
  if (match === null) return { kind: 'error', message: `bad status line ${JSON.stringify(lines[0])}` };
  const status = Number(match[2]);
  const headers: [string, string][] = [];
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    if (colon <= 0) return { kind: 'error', message: `bad header line ${JSON.stringify(line)}` };
    headers.push([line.slice(0, colon), line.slice(colon + 1).trim()]);
  }
  const bodyStart = headEnd + 4;
  const find = (name: string): string | undefined => headers.find(([key]) => key.toLowerCase() === name)?.[1];
  const make = (body: Buffer, used: number, isChunked = false, isCloseDelimited = false): Step => ({
    kind: 'ok',
    response: makeResponse(match[1]!, status, match[3] ?? '', headers, body, isChunked, isCloseDelimited),
    used,
  });
  if (status < 200 || status === 204 || status === 304 || method === 'HEAD') return make(Buffer.alloc(0), bodyStart);
  const te = find('transfer-encoding');
  if (te !== undefined) {
    if (!/(^|,)\s*chunked\s*$/i.test(te)) return { kind: 'error', message: `unexpected transfer-encoding ${te}` };
    const chunked = readChunked(buffer, bodyStart);
    if (chunked.kind !== 'ok') return chunked;
    return make(chunked.body, chunked.end, true);
  }
  const length = find('content-length');
  if (length !== undefined) {
    if (!/^\d+$/.test(length)) return { kind: 'error', message: `bad content-length ${length}` };
    const end = bodyStart + Number(length);
    if (buffer.length < end) return { kind: 'incomplete' };
    return make(buffer.subarray(bodyStart, end), end);
  }
  if (!isClosed) return { kind: 'incomplete' };
  return make(buffer.subarray(bodyStart), buffer.length, false, true);
}

/** Parses as many complete responses as `buffer` holds. Interim (1xx) responses are returned as responses too. */
export function parseResponses(buffer: Buffer, options: ParseOptions = {}): ParsedResponses {
  const responses: RawResponse[] = [];
  let rest = buffer;
  let finals = 0;
  for (;;) {
    if (rest.length === 0) return { responses, rest, error: undefined };
    const step = readOne(rest, options.methods?.[finals] ?? 'GET', options.isClosed === true);
    if (step.kind === 'incomplete') return { responses, rest, error: undefined };
    if (step.kind === 'error') return { responses, rest, error: step.message };
    responses.push(step.response);
    if (step.response.status >= 200) finals++;
    rest = rest.subarray(step.used);
  }
}

/** A raw HTTP/1.1-over-TLS client connection to the gateway. */
export interface RawConnection {
  readonly socket: TLSSocket;
  /** Everything received so far. */
  received(): Buffer;
  readonly isClosed: boolean;
  /** ms from connecting to the server's close, once closed. */
  readonly closedAfterMs: number | undefined;
  write(bytes: string | Buffer): void;
  /** Waits until `count` final (>= 200) responses are complete, the connection closes, or `timeoutMs` passes. */
  waitForResponses(count: number, timeoutMs: number, options?: { readonly methods?: readonly string[] }): Promise<ParsedResponses>;
  /** Waits for at least `bytes` bytes (or close / timeout). */
  waitForBytes(bytes: number, timeoutMs: number): Promise<Buffer>;
  /** Waits until the server closes; true when it did within `timeoutMs`. */
  waitForClose(timeoutMs: number): Promise<boolean>;
  parse(options?: { readonly methods?: readonly string[] }): ParsedResponses;
  destroy(): void;
}

export interface RawConnectOptions {
  readonly client?: CertificateFiles;
  readonly servername?: string;
  readonly timeoutMs?: number;
}

/** Opens a TLS connection (ALPN http/1.1) to the gateway on 127.0.0.1 with the client's chain. */
export function rawConnect(env: E2eEnv, port: number, options: RawConnectOptions = {}): Promise<RawConnection> {
  const ca = readText(env.rootPem);
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    let closed = false;
    let closedAfterMs: number | undefined;
    const opened = performance.now();
    const waiters = new Set<() => void>();
    const notify = (): void => {
      for (const waiter of [...waiters]) waiter();
    };
    const socket = connectTls({
      host: '127.0.0.1',
      port,
      servername: options.servername ?? 'localhost',
      ca,
      ALPNProtocols: ['http/1.1'],
      ...(options.client === undefined ? {} : { cert: readText(options.client.chain), key: readText(options.client.key) }),
    });
    const connectTimer = setTimeout(() => {
      socket.destroy();
      reject(new Error('TLS connect timed out'));
    }, options.timeoutMs ?? 5000);
    socket.on('data', (chunk: Buffer) => {
      chunks.push(chunk);
      total += chunk.length;
      notify();
    });
    socket.on('error', () => undefined);
    socket.on('close', () => {
      if (!closed) {
        closed = true;
        closedAfterMs = performance.now() - opened;
      }
      notify();
    });
    socket.once('secureConnect', () => {
      clearTimeout(connectTimer);
      const received = (): Buffer => (chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks));
      const waitUntil = (condition: () => boolean, timeoutMs: number): Promise<void> =>
        new Promise((done) => {
          if (condition() || closed) return done();
          const timer = setTimeout(finish, timeoutMs);
          function check(): void {
            if (condition() || closed) finish();
          }
          function finish(): void {
            clearTimeout(timer);
            waiters.delete(check);
            done();
          }
          waiters.add(check);
        });
      const connection: RawConnection = {
        socket,
        received,
        get isClosed() {
          return closed;
        },
        get closedAfterMs() {
          return closedAfterMs;
        },
        write(bytes) {
          socket.write(bytes);
        },
        parse(parseOptions = {}) {
          return parseResponses(received(), { ...parseOptions, isClosed: closed });
        },
        async waitForResponses(count, timeoutMs, parseOptions = {}) {
          const finals = (): number =>
            parseResponses(received(), { ...parseOptions, isClosed: closed }).responses.filter((response) => response.status >= 200).length;
          await waitUntil(() => finals() >= count, timeoutMs);
          return parseResponses(received(), { ...parseOptions, isClosed: closed });
        },
        async waitForBytes(bytes, timeoutMs) {
          await waitUntil(() => total >= bytes, timeoutMs);
          return received();
        },
        async waitForClose(timeoutMs) {
          await waitUntil(() => closed, timeoutMs);
          return closed;
        },
        destroy() {
          socket.destroy();
        },
      };
      resolve(connection);
    });
    socket.once('error', (error: Error) => {
      clearTimeout(connectTimer);
      reject(error);
    });
  });
}

export interface RawExchange {
  readonly responses: RawResponse[];
  readonly rest: Buffer;
  readonly error: string | undefined;
  readonly isClosed: boolean;
  readonly raw: Buffer;
  readonly elapsedMs: number;
}

/**
 * Connects, writes `bytes` in one write, and reads until `expected` final responses and the
 * server's close (when `expectClose`), or `timeoutMs`. The socket is always destroyed.
 */
export async function rawExchange(
  env: E2eEnv,
  port: number,
  client: CertificateFiles | undefined,
  bytes: string | Buffer,
  options: {
    readonly expected?: number;
    readonly expectClose?: boolean;
    readonly timeoutMs?: number;
    readonly methods?: readonly string[];
  } = {},
): Promise<RawExchange> {
  const connection = await rawConnect(env, port, client === undefined ? {} : { client });
  const started = performance.now();
  try {
    connection.write(bytes);
    const timeoutMs = options.timeoutMs ?? 5000;
    await connection.waitForResponses(options.expected ?? 1, timeoutMs, options.methods === undefined ? {} : { methods: options.methods });
    if (options.expectClose === true) await connection.waitForClose(Math.max(0, timeoutMs - (performance.now() - started)));
    const parsed = connection.parse(options.methods === undefined ? {} : { methods: options.methods });
    return { ...parsed, isClosed: connection.isClosed, raw: connection.received(), elapsedMs: performance.now() - started };
  } finally {
    connection.destroy();
  }
}
