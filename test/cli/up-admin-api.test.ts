import assert from 'node:assert/strict';
import { join } from 'node:path';
import { after, test } from 'node:test';
import { makeTempDir } from '../ca/support.js';
import { runTool } from '../support/revocation-harness.js';
import { runCli } from './run-cli.js';
import { killAllUp, spawnUp, stopUp } from './up-process.js';

const temp = makeTempDir('symbolon-up-api-');
after(() => {
  killAllUp();
  temp.remove();
});

test('symbolon up serves the admin API to admin certificates from `ca issue --profile admin`: a revoke through it reaches OCSP, the gauges count it', async () => {
  const dir = join(temp.path, 'data');
  const up = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0', '--public-base-url', 'http://ca.test:8080']);
  await up.ready;
  const out = up.stdout();
  const apiUrl = /Admin API: (https:\/\/127\.0\.0\.1:\d+\/api) /.exec(out)?.[1];
  const ocspUrl = /OCSP: (http:\/\/127\.0\.0\.1:\d+\/ocsp) /.exec(out)?.[1];
  assert.ok(apiUrl !== undefined && ocspUrl !== undefined, out);
  assert.match(out, /Expiry alerts: to this log/);
  const passphrase = join(dir, 'intermediate.passphrase');
  const issue = async (name: string, profile: string): Promise<string> => {
    const result = await runCli([
      'ca',
      'issue',
      '--dir',
      dir,
      '--profile',
      profile,
      '--name',
      name,
      '--out',
      join(temp.path, name),
      '--passphrase-file',
      passphrase,
    ]);
    assert.equal(result.code, 0, result.stderr);
    return join(temp.path, name);
  };
  const admin = await issue('alice', 'admin');
  const client = await issue('bob', 'client');
  const caFile = join(dir, 'ca/root.crt');
  const curl = (path: string, as: string | undefined, extra: readonly string[] = []) =>
    runTool('curl', [
      '-sS',
      '--cacert',
      caFile,
      ...(as === undefined ? [] : ['--cert', `${as}.chain.pem`, '--key', `${as}.key`]),
      '-w',
      '\n%{http_code}',
      ...extra,
      `${apiUrl}${path}`,
    ]);
  const split = (output: string): { body: string; status: string } => {
    const at = output.lastIndexOf('\n');
    return { body: output.slice(0, at), status: output.slice(at + 1) };
  };
  assert.equal(split((await curl('/stats', undefined)).stdout).status, '401');
  assert.equal(split((await curl('/stats', client)).stdout).status, '403');
  const bobSerial = (await runTool('openssl', ['x509', '-in', `${client}.crt`, '-noout', '-serial'])).stdout
    .trim()
    .split('=')[1]!
    .toLowerCase()
    .replace(/^0+/, '');
  const found = split((await curl('/certificates?q=bob', admin)).stdout);
  assert.equal(found.status, '200', found.body);
  assert.deepEqual(
    (JSON.parse(found.body) as { items: { serial: string }[] }).items.map((item) => item.serial),
    [bobSerial],
  );
  const revoked = split(
    (
      await curl(`/certificates/${bobSerial}/revoke`, admin, [
        '-X',
        'POST',
        '-H',
        'content-type: application/json',
        '--data',
        '{"reason":"keyCompromise"}',
      ])
    ).stdout,
  );
  assert.equal(revoked.status, '200', revoked.body);
  // The revocation went through up's own store: OCSP answers revoked at once.
  const ocsp = await runTool('openssl', [
    'ocsp',
    '-issuer',
    join(dir, 'ca/intermediate-1.crt'),
    '-cert',
    `${client}.crt`,
    '-url',
    ocspUrl,
    '-CAfile',
    caFile,
  ]);
  assert.match(ocsp.output, /: revoked/, ocsp.output);
  const metrics = await (await fetch(`${ocspUrl.replace(/\/ocsp$/, '')}/metrics`)).text();
  assert.match(metrics, /^symbolon_certificates\{profile="admin",status="valid"\} 1$/m);
  assert.match(metrics, /^symbolon_certificates\{profile="client",status="revoked"\} 1$/m);
  assert.match(metrics, /^symbolon_certificate_revocations 1$/m);
  await stopUp(up);
  assert.equal(up.stderr(), '');
});

test("symbolon up scrapes its own gateway's metrics for GET /api/gateways: requests and refusals by reason, sample by sample", async () => {
  const dir = join(temp.path, 'gateway-data');
  const first = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--no-tls', '--public-base-url', 'http://ca.test:8080']);
  await first.ready;
  await stopUp(first);
  const { appendFileSync, writeFileSync } = await import('node:fs');
  appendFileSync(join(dir, 'config.yaml'), 'monitoring:\n  scrapeInterval: 1s\n');
  const upstream = (await import('node:http')).createServer((_, res) => res.writeHead(200).end('ok\n'));
  await new Promise<void>((resolve) => upstream.listen(0, '127.0.0.1', resolve));
  try {
    writeFileSync(
      join(dir, 'gateway.yaml'),
      [
        'listeners: [ { address: 127.0.0.1, port: 0 } ]',
        'trustBundles: [ { name: symbolon, revocation: { kind: feed }, failurePolicy: hard-fail } ]',
        `routes: [ { host: '*', pathPrefix: /, upstream: 'http://127.0.0.1:${(upstream.address() as { port: number }).port}' } ]`,
        'admin: { address: 127.0.0.1, port: 0 }',
        "accessLog: 'off'",
        '',
      ].join('\n'),
    );
    const up = spawnUp(['--dir', dir, '--listen', '127.0.0.1:0', '--tls-listen', '127.0.0.1:0']);
    await up.ready;
    const apiUrl = /Admin API: (https:\/\/127\.0\.0\.1:\d+\/api) /.exec(up.stdout())?.[1];
    const gatewayUrl = /Gateway: (https:\/\/127\.0\.0\.1:\d+)/.exec(up.stdout())?.[1];
    assert.ok(apiUrl !== undefined && gatewayUrl !== undefined, up.stdout());
    const passphrase = join(dir, 'intermediate.passphrase');
    for (const [name, profile] of [
      ['carol', 'admin'],
      ['dan', 'client'],
    ] as const) {
      const made = await runCli([
        'ca',
        'issue',
        '--dir',
        dir,
        '--profile',
        profile,
        '--name',
        name,
        '--out',
        join(temp.path, name),
        '--passphrase-file',
        passphrase,
      ]);
      assert.equal(made.code, 0, made.stderr);
    }
    const caFile = join(dir, 'ca/root.crt');
    const asDan = ['--cert', join(temp.path, 'dan.chain.pem'), '--key', join(temp.path, 'dan.key')];
    for (let i = 0; i < 3; i++)
      assert.equal((await runTool('curl', ['-sS', '--cacert', caFile, ...asDan, `${gatewayUrl}/x`])).stdout, 'ok\n');
    // A handshake without a client certificate is refused by the gateway: a rejection with its reason.
    await runTool('curl', ['-sS', '--cacert', caFile, `${gatewayUrl}/x`]);
    interface Gateways {
      gateways: { name: string; up: boolean; metricsUrl: string; series: { requests: number; rejections: Record<string, number> }[] }[];
    }
    const refusals = (sample: { rejections: Record<string, number> } | undefined): number =>
      Object.values(sample?.rejections ?? {}).reduce((sum, n) => sum + n, 0);
    let seen: Gateways['gateways'][number] | undefined;
    // A sample may be taken between the requests and the refused handshake: wait for one with both.
    for (
      let attempt = 0;
      !(seen?.up === true && (seen.series.at(-1)?.requests ?? 0) >= 3 && refusals(seen.series.at(-1)) >= 1);
      attempt++
    ) {
      assert.ok(attempt < 300, `the gateway was never scraped with its requests and its refusal: ${JSON.stringify(seen)}`);
      await new Promise((resolve) => setTimeout(resolve, 100));
      const answer = await runTool('curl', [
        '-sS',
        '--cacert',
        caFile,
        '--cert',
        join(temp.path, 'carol.chain.pem'),
        '--key',
        join(temp.path, 'carol.key'),
        `${apiUrl}/gateways`,
      ]);
      seen = (JSON.parse(answer.stdout) as Gateways).gateways.find((gateway) => gateway.name === 'up');
    }
    assert.match(seen.metricsUrl, /^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
    await stopUp(up);
  } finally {
    await new Promise((resolve) => upstream.close(resolve));
  }
});
