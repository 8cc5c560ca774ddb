import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { createServiceListener, createStaticRoute, hostPort, loadStaticFiles, sendProblem } from '../../src/http/index.js';
import type { ServiceListener } from '../../src/http/index.js';
import { makeTempDir } from '../ca/support.js';
import { selfSignedServer } from '../support/self-signed-server.js';

const temp = makeTempDir('symbolon-static-files-');
const bundle = join(temp.path, 'bundle');
const HEADERS = { 'Content-Security-Policy': "default-src 'none'", 'X-Content-Type-Options': 'nosniff' };
let listener: ServiceListener;
let base: string;
let caFile: string;
/** What the route's authorization answers next: allow, refuse (with its own 403), or fail. */
let decision: 'allow' | 'refuse' | 'throw' = 'allow';

before(async () => {
  mkdirSync(join(bundle, 'assets'), { recursive: true });
  writeFileSync(join(bundle, 'index.html'), '<!doctype html><title>t</title>');
  writeFileSync(join(bundle, 'main-ABCDEF12.js'), 'console.log(1)');
  writeFileSync(join(bundle, 'assets/logo.svg'), '<svg xmlns="http://www.w3.org/2000/svg"/>');
  writeFileSync(join(bundle, '.env'), 'SECRET=1');
  writeFileSync(join(bundle, 'server.key'), 'not served');
  mkdirSync(join(bundle, '.git'));
  writeFileSync(join(bundle, '.git/config.txt'), 'not served');
  writeFileSync(join(temp.path, 'outside.txt'), 'outside the bundle');
  const tls = await selfSignedServer(temp.path, 'server');
  caFile = join(temp.path, 'server.crt');
  listener = createServiceListener({ tls: { ...tls, ca: [tls.cert] }, onError: () => undefined });
  listener.mount(
    '/ui',
    createStaticRoute({
      prefix: '/ui',
      files: await loadStaticFiles(bundle),
      headers: HEADERS,
      authorize: ({ res }) => {
        if (decision === 'throw') return Promise.reject(new Error('the check failed'));
        if (decision === 'refuse') sendProblem(res, 403, 'HTTP_NOT_FOUND');
        return Promise.resolve(decision === 'allow');
      },
    }),
  );
  base = `https://${hostPort(await listener.listen({ host: '127.0.0.1', port: 0 }))}`;
});
after(async () => {
  await listener.close();
  temp.remove();
});

interface Answer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/** curl, so the request target goes out exactly as written (--path-as-is keeps `..`). */
function curl(path: string, extra: readonly string[] = []): Promise<Answer> {
  return new Promise((resolve, reject) => {
    const child = spawn('curl', ['-sS', '--max-time', '10', '--path-as-is', '--cacert', caFile, '-D', '-', ...extra, `${base}${path}`]);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => (output += chunk.toString()));
    child.on('error', reject);
    child.on('close', () => {
      const [head = '', ...rest] = output.split('\r\n\r\n');
      const [statusLine = '', ...fields] = head.split('\r\n');
      const headers: Record<string, string> = {};
      for (const field of fields) {
        const colon = field.indexOf(':');
        headers[field.slice(0, colon).toLowerCase()] = field.slice(colon + 1).trim();
      }
      resolve({ status: Number(statusLine.split(' ')[1]), headers, body: rest.join('\r\n\r\n') });
    });
  });
}

test('serves index.html at the prefix with its type, the security headers and a revalidating cache policy', async () => {
  decision = 'allow';
  const index = await curl('/ui/');
  assert.equal(index.status, 200);
  assert.equal(index.body, '<!doctype html><title>t</title>');
  assert.equal(index.headers['content-type'], 'text/html; charset=utf-8');
  assert.equal(index.headers['content-security-policy'], "default-src 'none'");
  assert.equal(index.headers['x-content-type-options'], 'nosniff');
  assert.equal(index.headers['cache-control'], 'private, no-cache');
  assert.match(index.headers['etag'] ?? '', /^"[A-Za-z0-9_-]+"$/);
  const redirect = await curl('/ui');
  assert.equal(redirect.status, 308);
  assert.equal(redirect.headers['location'], '/ui/');
});

test('hashed names are cached as immutable; other files by type; a matching ETag is a 304 without a body', async () => {
  decision = 'allow';
  const script = await curl('/ui/main-ABCDEF12.js');
  assert.equal(script.status, 200);
  assert.equal(script.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(script.headers['cache-control'], 'private, max-age=31536000, immutable');
  const svg = await curl('/ui/assets/logo.svg');
  assert.equal(svg.headers['content-type'], 'image/svg+xml');
  const again = await curl('/ui/main-ABCDEF12.js', ['-H', `If-None-Match: ${script.headers['etag']}`]);
  assert.equal(again.status, 304);
  assert.equal(again.body, '');
  const head = await curl('/ui/main-ABCDEF12.js', ['-I']);
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String('console.log(1)'.length));
});

test('serves nothing outside the bundle: traversal, encoded traversal, dotfiles and files of other types are 404 problems', async () => {
  decision = 'allow';
  for (const path of [
    '/ui/../outside.txt',
    '/ui/%2e%2e/outside.txt',
    '/ui/..%2foutside.txt',
    '/ui/assets/../../outside.txt',
    '/ui//etc/passwd',
    '/ui/.env',
    '/ui/.git/config.txt',
    '/ui/server.key',
    '/ui/assets',
    '/ui/assets/',
    '/ui/index.html%00.js',
  ]) {
    const answer = await curl(path);
    assert.ok(answer.status === 404 || answer.status === 400, `${path}: ${answer.status}`);
    assert.doesNotMatch(answer.body, /outside the bundle|SECRET|not served/, path);
    if (answer.status === 404) assert.equal(answer.headers['content-type'], 'application/problem+json', path);
  }
});

test('other methods are a 405 problem naming GET and HEAD', async () => {
  decision = 'allow';
  const answer = await curl('/ui/', ['-X', 'POST', '--data', 'x']);
  assert.equal(answer.status, 405);
  assert.equal(answer.headers['allow'], 'GET, HEAD');
  assert.match(answer.body, /HTTP_METHOD_NOT_ALLOWED/);
});

test('the authorization decides first and fails closed: its refusal is the answer, its failure a 500, never a file', async () => {
  decision = 'refuse';
  const refused = await curl('/ui/');
  assert.equal(refused.status, 403);
  assert.doesNotMatch(refused.body, /doctype/);
  decision = 'throw';
  const failed = await curl('/ui/main-ABCDEF12.js');
  assert.equal(failed.status, 500);
  assert.doesNotMatch(failed.body, /console/);
  decision = 'allow';
});
