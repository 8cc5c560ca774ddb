import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { request as httpRequest } from 'node:http';
import { Agent, request as httpsRequest } from 'node:https';
import type { IncomingHttpHeaders } from 'node:http';
import type { Socket } from 'node:net';
import { readText } from './e2e-env.js';
import type { CertificateFiles, E2eEnv } from './e2e-env.js';

export interface HttpAnswer {
  readonly status: number;
  readonly contentType: string;
  readonly body: string;
  readonly httpVersion: string;
}

/** Runs a command, writes `input` to its standard input (kept open: the server ends the exchange), and collects its output. */
export function runWithInput(
  command: string,
  args: readonly string[],
  input: string | undefined,
  timeoutMs = 15_000,
): Promise<{ code: number | null; stdout: string; output: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString('latin1')));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString('latin1')));
    child.stdin.on('error', () => undefined);
    if (input === undefined) child.stdin.end();
    else child.stdin.write(input);
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, output: stdout + stderr });
    });
  });
}

export interface CurlOptions {
  readonly client?: CertificateFiles;
  /** Send the leaf alone instead of leaf + intermediate. */
  readonly isLeafOnly?: boolean;
  readonly http2?: boolean;
  readonly headers?: readonly string[];
  readonly host?: string;
  readonly extra?: readonly string[];
}

const MARK = '\n@@curl@@';

/** curl against the gateway on 127.0.0.1 (as `localhost`, which the server certificate names). */
export async function curl(env: E2eEnv, port: number, path: string, options: CurlOptions = {}): Promise<HttpAnswer> {
  const host = options.host ?? 'localhost';
  const args = [
    '-sS',
    '--max-time',
    '15',
    '--resolve',
    `${host}:${port}:127.0.0.1`,
    '--cacert',
    env.rootPem,
    options.http2 === true ? '--http2' : '--http1.1',
    '-w',
    `${MARK}%{http_code} %{http_version} %{content_type}`,
  ];
  if (options.client !== undefined)
    args.push('--cert', options.isLeafOnly === true ? options.client.cert : options.client.chain, '--key', options.client.key);
  for (const header of options.headers ?? []) args.push('-H', header);
  args.push(...(options.extra ?? []), `https://${host}:${port}${path}`);
  const result = await runWithInput('curl', args, undefined, 20_000);
  const at = result.stdout.lastIndexOf(MARK);
  if (at < 0) throw new Error(`curl gave no answer (exit ${result.code}): ${result.output.slice(0, 500)}`);
  const [status, httpVersion, ...type] = result.stdout.slice(at + MARK.length).split(' ');
  return { status: Number(status), httpVersion: httpVersion ?? '', contentType: type.join(' '), body: result.stdout.slice(0, at) };
}

/** curl that is expected to fail at the connection: the exit code and message. */
export async function curlFailure(
  env: E2eEnv,
  port: number,
  client: CertificateFiles | undefined,
): Promise<{ code: number | null; output: string }> {
  const args = [
    '-sS',
    '--max-time',
    '5',
    '--resolve',
    `localhost:${port}:127.0.0.1`,
    '--cacert',
    env.rootPem,
    '--http1.1',
    '-o',
    '/dev/null',
    '-w',
    '%{http_code}',
  ];
  if (client !== undefined) args.push('--cert', client.chain, '--key', client.key);
  args.push(`https://localhost:${port}/`);
  return runWithInput('curl', args, undefined, 10_000);
}

/** Splits a raw HTTP/1.1 response as read by s_client or gnutls-cli. */
export function parseRawResponse(text: string): HttpAnswer | undefined {
  const match = /HTTP\/1\.1 (\d{3})[^\r\n]*\r\n([\s\S]*?)\r\n\r\n([\s\S]*)/.exec(text);
  if (match === null) return undefined;
  const contentType = /^content-type:\s*([^\r\n]*)/im.exec(match[2]!)?.[1] ?? '';
  // The tools print their own notices after the body (gnutls-cli: "- Peer has closed..."): cut at content-length.
  const length = /^content-length:\s*(\d+)/im.exec(match[2]!)?.[1];
  const body = length === undefined ? match[3]! : Buffer.from(match[3]!, 'latin1').subarray(0, Number(length)).toString('utf8');
  return { status: Number(match[1]), contentType, body, httpVersion: '1.1' };
}

export function rawGet(path: string, host = 'localhost'): string {
  return `GET ${path} HTTP/1.1\r\nHost: ${host}\r\nConnection: close\r\n\r\n`;
}

export function isToolPresent(tool: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${tool}`]).status === 0;
}

export interface KeptAliveAnswer {
  readonly status: number;
  readonly headers: IncomingHttpHeaders;
  readonly body: string;
  readonly socket: Socket;
}

/** node:https with keep-alive and the client certificate: one agent, requests on its connections. */
export function keepAliveClient(
  env: E2eEnv,
  port: number,
  client: CertificateFiles | undefined,
  maxSockets = 1,
): { readonly agent: Agent; get(path: string, headers?: Record<string, string>): Promise<KeptAliveAnswer>; close(): void } {
  const agent = new Agent({
    keepAlive: true,
    maxSockets,
    ca: readText(env.rootPem),
    ...(client === undefined ? {} : { cert: readText(client.chain), key: readText(client.key) }),
    servername: 'localhost',
  });
  return {
    agent,
    get(path, headers = {}) {
      return new Promise((resolve, reject) => {
        const req = httpsRequest(
          { host: '127.0.0.1', port, path, agent, headers: { host: 'localhost', ...headers }, timeout: 10_000 },
          (res) => {
            // Taken now: once the response ends the agent takes the socket back and res.socket is cleared.
            const socket = res.socket;
            assert.ok(socket !== null && socket !== undefined, 'a response has a socket');
            let body = '';
            res.setEncoding('utf8');
            res.on('data', (chunk: string) => (body += chunk));
            res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, socket }));
            res.on('error', reject);
          },
        );
        req.on('timeout', () => req.destroy(new Error('request timed out')));
        req.on('error', reject);
        req.end();
      });
    },
    close: () => agent.destroy(),
  };
}

/** GET over plain HTTP (the admin listener). */
export function plainGet(url: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = httpRequest(url, { timeout: 10_000 }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
    });
    req.on('timeout', () => req.destroy(new Error('request timed out')));
    req.on('error', reject);
    req.end();
  });
}

/** The value of one Prometheus sample (`name{a="b"}`), 0 when absent; labels in any order. */
export function metricValue(text: string, name: string, labels: Record<string, string> = {}): number {
  let total = 0;
  let found = false;
  for (const line of text.split('\n')) {
    if (!line.startsWith(name)) continue;
    const match = /^([a-z_:]+)(?:\{(.*)\})? (\S+)$/.exec(line);
    if (match === null || match[1] !== name) continue;
    const present = new Map([...(match[2] ?? '').matchAll(/([a-z_]+)="((?:[^"\\]|\\.)*)"/g)].map((pair) => [pair[1]!, pair[2]!]));
    if (Object.entries(labels).every(([key, value]) => present.get(key) === value)) {
      total += Number(match[3]);
      found = true;
    }
  }
  return found ? total : 0;
}

/** Resolves after `ms`. */
export function delay(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

/** Polls `condition` until it holds or `timeoutMs` passes; returns whether it held. */
export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs: number, stepMs = 20): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await condition()) return true;
    if (Date.now() > deadline) return false;
    await delay(stepMs);
  }
}

export { freePort } from '../../../support/free-port.js';
