import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import type { ChildProcessWithoutNullStreams } from 'node:child_process';
import { existsSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { buildOcspRequest, certIdFor, parseCertificates, parseCrl, parseOcspResponse } from '../../src/x509/index.js';
import { makeTempDir } from '../ca/support.js';
import { freePort } from '../support/free-port.js';
import { runTool } from '../support/revocation-harness.js';
import { REPO_ROOT, runCli } from './run-cli.js';

const temp = makeTempDir('symbolon-up-');
const children = new Set<ChildProcessWithoutNullStreams>();
after(() => {
  for (const child of children) child.kill('SIGKILL');
  temp.remove();
});

function childEnv(): Record<string, string> {
  const env = { ...process.env } as Record<string, string>;
  delete env['SYMBOLON_CA_PASSPHRASE'];
  return env;
}

/** Starts `symbolon up` and resolves with its output once it says it is up. */
function startUp(
  args: readonly string[],
): Promise<{ child: ChildProcessWithoutNullStreams; output: () => string; stderr: () => string; exited: Promise<number | null> }> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/cli/main.ts', 'up', ...args], {
    cwd: REPO_ROOT,
    env: childEnv(),
    stdio: ['pipe', 'pipe', 'pipe'],
  });
  children.add(child);
  let stdout = '';
  let stderr = '';
  const exited = new Promise<number | null>((resolve) =>
    child.on('close', (code) => {
      children.delete(child);
      resolve(code);
    }),
  );
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`up did not start in time:\n${stdout}\n${stderr}`)), 30_000);
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.stdout.on('data', (chunk: Buffer) => {
      stdout += chunk.toString();
      if (stdout.includes('Stop with')) {
        clearTimeout(timer);
        resolve({ child, output: () => stdout, stderr: () => stderr, exited });
      }
    });
    void exited.then((code) => reject(new Error(`up exited with ${code}:\n${stdout}\n${stderr}`)));
  });
}

test('symbolon up creates a CA when there is none, serves CRL and OCSP, follows a revocation from another process, and exits 0 on SIGTERM', async () => {
  const dir = join(temp.path, 'data');
  const up = await startUp([
    '--dir',
    dir,
    '--listen',
    '127.0.0.1:0',
    '--tls-listen',
    '127.0.0.1:0',
    '--public-base-url',
    'http://ca.test:8080',
  ]);
  const out = up.output();
  assert.match(out, /Certificates point at http:\/\/ca\.test:8080; route it to http:\/\/127\.0\.0\.1:\d+/);
  assert.match(out, /No CA in .*: created one/);
  const passphraseFile = join(dir, 'intermediate.passphrase');
  assert.equal(statSync(passphraseFile).mode & 0o777, 0o600);
  assert.equal(statSync(join(dir, 'offline/root.passphrase')).mode & 0o777, 0o600);
  const crlUrl = /CRL +intermediate-1: (http:\/\/127\.0\.0\.1:\d+\/crl\/intermediate-1\.crl)/.exec(out)?.[1];
  const ocspUrl = /OCSP: (http:\/\/127\.0\.0\.1:\d+\/ocsp) /.exec(out)?.[1];
  assert.ok(crlUrl !== undefined && ocspUrl !== undefined, out);
  assert.match(out, /Feed: https:\/\/127\.0\.0\.1:\d+\/feed/);

  const crl = await fetch(crlUrl);
  assert.equal(crl.status, 200);
  assert.equal(parseCrl(Buffer.from(await crl.arrayBuffer())).revokedCertificates.length, 0);
  assert.ok(statSync(join(dir, 'crl/intermediate-1.crl')).size > 0, 'the CRL is written to the data directory');

  // Another process issues a certificate while up runs.
  const issued = await runCli([
    'ca',
    'issue',
    '--dir',
    dir,
    '--profile',
    'client',
    '--name',
    'alice',
    '--out',
    join(temp.path, 'alice'),
    '--passphrase-file',
    passphraseFile,
  ]);
  assert.equal(issued.code, 0, issued.stderr);
  const leafPem = join(temp.path, 'alice.crt');
  const openssl = await runTool('openssl', [
    'ocsp',
    '-issuer',
    join(dir, 'ca/intermediate-1.crt'),
    '-cert',
    leafPem,
    '-url',
    ocspUrl,
    '-CAfile',
    join(dir, 'ca/root.crt'),
  ]);
  assert.equal(openssl.code, 0, openssl.output);
  assert.match(openssl.output, /Response verify OK/);
  assert.match(openssl.output, /: good/);

  const [leaf] = parseCertificates(await (await import('node:fs/promises')).readFile(leafPem));
  assert.deepEqual(leaf!.crlDistributionPoints, ['http://ca.test:8080/crl/intermediate-1.crl'], 'the CA stamps --public-base-url');
  const [intermediate] = parseCertificates(await (await import('node:fs/promises')).readFile(join(dir, 'ca/intermediate-1.crt')));
  const request = buildOcspRequest({ certIds: [certIdFor(leaf!, intermediate!)] });
  const revoked = await runCli(['ca', 'revoke', '--dir', dir, leaf!.serialNumber, '--reason', 'keyCompromise']);
  assert.equal(revoked.code, 0, revoked.stderr);
  // The CLI's revocation is another process's: up hears of it when its feed next polls the store
  // (every 50 ms). Wait for that event, seen as the OCSP answer turning to revoked; the attempt
  // count only stops a hang.
  let status = '';
  for (let attempt = 0; status !== 'revoked'; attempt++) {
    assert.ok(attempt < 3000, `up never served the revocation (last status ${status})`);
    const response = await fetch(ocspUrl, { method: 'POST', headers: { 'content-type': 'application/ocsp-request' }, body: request });
    status = parseOcspResponse(Buffer.from(await response.arrayBuffer())).basic?.responses[0]?.certStatus.status ?? '';
    if (status !== 'revoked') await new Promise((resolve) => setTimeout(resolve, 10));
  }
  const fresh = parseCrl(Buffer.from(await (await fetch(crlUrl)).arrayBuffer()));
  assert.ok(fresh.revokedCertificates.some((entry) => entry.serialNumber === leaf!.serialNumber));

  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0, up.stderr());
  assert.match(up.output(), /Stopped \(SIGTERM\)/);
  assert.equal(up.stderr(), '');
});

test('symbolon up on an existing CA reads the generated passphrase file, serves delta CRLs with --delta-crl-interval, and stops on SIGINT', async () => {
  const dir = join(temp.path, 'data');
  const up = await startUp(['--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--delta-crl-interval', '5m']);
  assert.doesNotMatch(up.output(), /created one/);
  assert.match(up.output(), /Feed: off/);
  const deltaUrl = /Delta intermediate-1: (http:\/\/127\.0\.0\.1:\d+\/crl\/intermediate-1-delta\.crl)/.exec(up.output())?.[1];
  assert.ok(deltaUrl !== undefined, up.output());
  assert.match(up.output(), /Freshest CRL extension only once config.yaml says deltaCrl: true/);
  const delta = parseCrl(Buffer.from(await (await fetch(deltaUrl)).arrayBuffer()));
  const full = parseCrl(Buffer.from(await (await fetch(deltaUrl.replace('-delta.crl', '.crl'))).arrayBuffer()));
  assert.equal(delta.deltaCrlIndicator, full.crlNumber);
  assert.ok(statSync(join(dir, 'crl/intermediate-1-delta.crl')).size > 0, 'the delta CRL is written to the data directory');
  up.child.kill('SIGINT');
  assert.equal(await up.exited, 0, up.stderr());
});

test('symbolon up refuses to create a CA whose certificates would point at port 0 or a wildcard address, and creates nothing', async () => {
  for (const listen of ['127.0.0.1:0', '0.0.0.0:8080']) {
    const dir = join(temp.path, `unreachable-${listen.replace(/[.:]/g, '-')}`);
    const result = await runCli(['up', '--dir', dir, '--listen', listen, '--no-tls']);
    assert.equal(result.code, 2, result.stderr);
    assert.match(result.stderr, /^symbolon: USAGE: .*--public-base-url/m);
    assert.equal(existsSync(join(dir, 'symbolon.json')), false, 'no CA was created');
  }
});

test('symbolon up refuses a --public-base-url that is not an http(s) URL with a typed error, and creates nothing', async () => {
  const dir = join(temp.path, 'bad-public-url');
  const result = await runCli(['up', '--dir', dir, '--public-base-url', 'ftp://ca.test/x?y', '--no-tls']);
  assert.equal(result.code, 1, result.stderr);
  assert.match(result.stderr, /^symbolon: CA_CONFIG_INVALID: .*publicBaseUrl/m);
  assert.equal(existsSync(join(dir, 'symbolon.json')), false, 'no CA was created');
});

test('symbolon up refuses a bad --listen with a usage error', async () => {
  const result = await runCli(['up', '--dir', join(temp.path, 'none'), '--listen', 'nonsense']);
  assert.equal(result.code, 2, result.stderr);
  assert.match(result.stderr, /^symbolon: USAGE: --listen/m);
});

test('symbolon up runs the gateway from a gateway.yaml written into the data directory before the CA exists: its own CA certificate, OCSP stapled, revocations from its feed in process', async () => {
  const dir = join(temp.path, 'gateway-data');
  const gatewayConfig = join(dir, 'gateway.yaml');
  const { mkdirSync, writeFileSync } = await import('node:fs');
  mkdirSync(dir);
  const upstream = (await import('node:http')).createServer((req, res) => {
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end(`upstream saw ${req.headers['x-forwarded-client-cert'] === undefined ? 'no identity' : 'an identity'}\n`);
  });
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  const upstreamPort = (upstream.address() as { port: number }).port;
  try {
    // No certificate, key or CA file: inside `up` the CA stands in for them.
    writeFileSync(
      gatewayConfig,
      [
        'listeners: [ { address: 127.0.0.1, port: 0 } ]',
        'trustBundles: [ { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail } ]',
        `routes: [ { host: '*', pathPrefix: /, upstream: 'http://127.0.0.1:${upstreamPort}' } ]`,
        "accessLog: 'off'",
        '',
      ].join('\n'),
    );
    // A fixed port: `ca init` stamps it into the certificates' OCSP URL, which stapling fetches.
    const servicesPort = await freePort();
    const up = await startUp(['--dir', dir, '--listen', `127.0.0.1:${servicesPort}`, '--no-tls']);
    assert.match(up.output(), /No CA in .*: created one/);
    const gatewayUrl = /Gateway: (https:\/\/127\.0\.0\.1:\d+)/.exec(up.output())?.[1];
    assert.ok(gatewayUrl !== undefined, up.output());
    const passphraseFile = join(dir, 'intermediate.passphrase');
    const issued = await runCli([
      'ca',
      'issue',
      '--dir',
      dir,
      '--profile',
      'client',
      '--name',
      'bob',
      '--out',
      join(temp.path, 'bob'),
      '--passphrase-file',
      passphraseFile,
    ]);
    assert.equal(issued.code, 0, issued.stderr);
    const curl = (): Promise<{ code: number | null; output: string; stdout: string }> =>
      runTool('curl', [
        '-sS',
        '--cacert',
        join(dir, 'ca/root.crt'),
        '--cert',
        join(temp.path, 'bob.chain.pem'),
        '--key',
        join(temp.path, 'bob.key'),
        `${gatewayUrl}/x`,
      ]);
    const allowed = await curl();
    assert.equal(allowed.code, 0, allowed.output);
    assert.equal(allowed.stdout, 'upstream saw an identity\n');
    // The gateway's own certificate, issued by the CA, with an OCSP answer stapled from the CA's responder.
    const stapled = await runTool(
      'openssl',
      [
        's_client',
        '-connect',
        gatewayUrl.slice('https://'.length),
        '-status',
        '-CAfile',
        join(dir, 'ca/root.crt'),
        '-cert',
        join(temp.path, 'bob.crt'),
        '-key',
        join(temp.path, 'bob.key'),
      ],
      20_000,
    );
    assert.match(stapled.output, /Verify return code: 0 \(ok\)/);
    assert.match(stapled.output, /OCSP Response Status: successful/);
    assert.match(stapled.output, /Cert Status: good/);

    const revoked = await runCli(['ca', 'revoke', '--dir', dir, join(temp.path, 'bob.crt'), '--reason', 'keyCompromise']);
    assert.equal(revoked.code, 0, revoked.stderr);
    let refusal = '';
    for (let attempt = 0; attempt < 40 && !refusal.includes('"reason":"revoked"'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 50));
      refusal = (await curl()).stdout;
    }
    assert.match(refusal, /"reason":"revoked"/);
    up.child.kill('SIGTERM');
    assert.equal(await up.exited, 0);
  } finally {
    upstream.close();
  }
});

test('ca root-crl signs the root CRL offline; up serves it, intermediates point at it, and openssl verify -crl_check_all passes only with it', async () => {
  const dir = join(temp.path, 'root-crl-data');
  const { writeFileSync } = await import('node:fs');
  const port = await freePort();
  const up = await startUp(['--dir', dir, '--listen', `127.0.0.1:${port}`, '--no-tls']);
  assert.match(up.output(), /CRL +root: none yet/);
  const base = `http://127.0.0.1:${port}`;
  assert.equal((await fetch(`${base}/crl/root.crl`)).status, 404);

  const wrong = join(temp.path, 'wrong.passphrase');
  writeFileSync(wrong, 'not the root passphrase\n');
  const refused = await runCli(['ca', 'root-crl', '--dir', dir, '--root-passphrase-file', wrong]);
  assert.notEqual(refused.code, 0);
  assert.match(refused.stderr, /^symbolon: KEY_BAD_PASSPHRASE: /);

  const made = await runCli([
    'ca',
    'root-crl',
    '--dir',
    dir,
    '--root-passphrase-file',
    join(dir, 'offline/root.passphrase'),
    '--validity',
    '30d',
  ]);
  assert.equal(made.code, 0, made.stderr);
  const issued = await runCli([
    'ca',
    'issue',
    '--dir',
    dir,
    '--profile',
    'client',
    '--name',
    'dave',
    '--out',
    join(temp.path, 'dave'),
    '--passphrase-file',
    join(dir, 'intermediate.passphrase'),
  ]);
  assert.equal(issued.code, 0, issued.stderr);

  const intermediate = join(dir, 'ca/intermediate-1.crt');
  const dp = await runTool('openssl', ['x509', '-in', intermediate, '-noout', '-ext', 'crlDistributionPoints']);
  assert.match(dp.output, new RegExp(`URI:${base}/crl/root\\.crl`));
  const pemOf = async (url: string, name: string): Promise<string> => {
    const response = await fetch(url);
    assert.equal(response.status, 200, url);
    assert.equal(response.headers.get('content-type'), 'application/pkix-crl');
    const file = join(temp.path, name);
    writeFileSync(file, (await import('../../src/x509/index.js')).toPem('X509 CRL', Buffer.from(await response.arrayBuffer())));
    return file;
  };
  const rootCrl = await pemOf(`${base}/crl/root.crl`, 'root.crl.pem');
  const intermediateCrl = await pemOf(`${base}/crl/intermediate-1.crl`, 'intermediate-1.crl.pem');
  const verify = (crls: string[]) =>
    runTool('openssl', [
      'verify',
      '-crl_check_all',
      '-CAfile',
      join(dir, 'ca/root.crt'),
      '-untrusted',
      intermediate,
      ...crls.flatMap((crl) => ['-CRLfile', crl]),
      join(temp.path, 'dave.crt'),
    ]);
  const withBoth = await verify([rootCrl, intermediateCrl]);
  assert.equal(withBoth.code, 0, withBoth.output);
  const withoutRoot = await verify([intermediateCrl]);
  assert.notEqual(withoutRoot.code, 0);
  assert.match(withoutRoot.output, /unable to get certificate CRL/);

  // A file that is not a CRL the root signed is not served.
  writeFileSync(join(dir, 'crl/root.crl'), Buffer.from('not a CRL'));
  assert.equal((await fetch(`${base}/crl/root.crl`)).status, 404);
  up.child.kill('SIGTERM');
  assert.equal(await up.exited, 0);
});
