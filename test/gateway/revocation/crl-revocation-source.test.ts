import assert from 'node:assert/strict';
import { createPrivateKey } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:http';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { errorCodeOf } from '../../../src/errors.js';
import { closeServer, hostPort, listen } from '../../../src/http/index.js';
import { createCrlRevocationSource } from '../../../src/gateway/revocation/index.js';
import type {
  CrlRevocationSourceOptions,
  RevocationAnswer,
  RevocationSource,
  StaleCrlPolicy,
} from '../../../src/gateway/revocation/index.js';
import { createSigner } from '../../../src/keys/index.js';
import { buildCrl, parseCertificate, parseName, toPem } from '../../../src/x509/index.js';
import type { Certificate, CrlTemplate } from '../../../src/x509/index.js';
import { makeTempDir } from '../../ca/support.js';
import { runTool } from '../../support/revocation-harness.js';
import { issueUnder, makeCa, makeCrl, makeLeaf } from './test-ca.js';
import type { TestCa } from './test-ca.js';

const temp = makeTempDir('symbolon-gw-crl-');
const HOUR = 3_600_000;
let caA: TestCa;
let caB: TestCa;
let intruder: TestCa;

before(async () => {
  [caA, caB, intruder] = await Promise.all([makeCa('CA A'), makeCa('CA B'), makeCa('Intruder')]);
});
after(() => temp.remove());

type Options = Partial<CrlRevocationSourceOptions> & Pick<CrlRevocationSourceOptions, 'location'>;

async function crlSource(options: Options): Promise<{ source: RevocationSource; errors: unknown[] }> {
  const errors: unknown[] = [];
  const source = createCrlRevocationSource({
    refreshSeconds: 300,
    caCertificates: [caA.certificate, caB.certificate],
    staleCrl: { policy: 'reject', graceSeconds: 0 },
    onError: (error) => errors.push(error),
    ...options,
  });
  await source.start();
  return { source, errors };
}

function statusOf(source: RevocationSource, leaf: Certificate, issuer: Certificate, now = new Date()): RevocationAnswer {
  const answer = source.check([leaf, issuer], now);
  assert.ok(!(answer instanceof Promise), 'a CRL source answers synchronously');
  return answer;
}

function codes(errors: readonly unknown[]): string[] {
  return errors.map((error) => errorCodeOf(error) ?? String(error));
}

let fileCount = 0;
function writeCrls(...crls: Buffer[]): string {
  const file = join(temp.path, `crls-${++fileCount}.pem`);
  writeFileSync(file, crls.map((der) => toPem('X509 CRL', der)).join(''));
  return file;
}

const current = (): { thisUpdate: Date; nextUpdate: Date } => ({
  thisUpdate: new Date(Date.now() - 60_000),
  nextUpdate: new Date(Date.now() + HOUR),
});

test('one PEM file with the CRLs of two CAs: revoked and good under each, unavailable for an issuer without a CRL', async () => {
  const [revokedA, goodA, revokedB, goodB] = await Promise.all([makeLeaf(caA), makeLeaf(caA), makeLeaf(caB), makeLeaf(caB)]);
  const file = writeCrls(await makeCrl(caA, [revokedA], current()), await makeCrl(caB, [revokedB], current()));
  const { source, errors } = await crlSource({ location: { file } });
  try {
    assert.deepEqual(errors, []);
    const answer = statusOf(source, revokedA, caA.certificate);
    assert.equal(answer.status, 'revoked');
    assert.match(answer.status === 'revoked' ? answer.reason : '', /listed as revoked \(keyCompromise\)/);
    assert.deepEqual(statusOf(source, goodA, caA.certificate), { status: 'good' });
    assert.equal(statusOf(source, revokedB, caB.certificate).status, 'revoked');
    assert.deepEqual(statusOf(source, goodB, caB.certificate), { status: 'good' });
    const stranger = await makeLeaf(intruder);
    assert.equal(statusOf(source, stranger, intruder.certificate).status, 'unavailable');
    assert.equal(source.stats(new Date()).entries, 2);
    assert.ok(source.stats(new Date()).lagSeconds! >= 59);
  } finally {
    await source.close();
  }
});

test('a single DER CRL file is read too', async () => {
  const revoked = await makeLeaf(caA);
  const file = join(temp.path, 'one.crl');
  writeFileSync(file, await makeCrl(caA, [revoked], current()));
  const { source, errors } = await crlSource({ location: { file } });
  try {
    assert.deepEqual(errors, []);
    assert.equal(statusOf(source, revoked, caA.certificate).status, 'revoked');
  } finally {
    await source.close();
  }
});

test('past nextUpdate: reject makes answers unavailable, use keeps them, grace keeps them for graceSeconds', async () => {
  const [revoked, good] = await Promise.all([makeLeaf(caA), makeLeaf(caA)]);
  const times = current();
  const file = writeCrls(await makeCrl(caA, [revoked], times));
  const justAfter = new Date(times.nextUpdate.getTime() + 30_000);
  const wellAfter = new Date(times.nextUpdate.getTime() + 120_000);
  const cases: [StaleCrlPolicy, RevocationAnswer['status'], RevocationAnswer['status']][] = [
    [{ policy: 'reject', graceSeconds: 0 }, 'unavailable', 'unavailable'],
    [{ policy: 'use', graceSeconds: 0 }, 'good', 'good'],
    [{ policy: 'grace', graceSeconds: 60 }, 'good', 'unavailable'],
  ];
  for (const [staleCrl, atJustAfter, atWellAfter] of cases) {
    const { source } = await crlSource({ location: { file }, staleCrl });
    try {
      assert.deepEqual(statusOf(source, good, caA.certificate), { status: 'good' }, staleCrl.policy);
      assert.equal(statusOf(source, good, caA.certificate, justAfter).status, atJustAfter, `${staleCrl.policy} just after nextUpdate`);
      assert.equal(statusOf(source, good, caA.certificate, wellAfter).status, atWellAfter, `${staleCrl.policy} well after nextUpdate`);
      // A listed certificate stays revoked however old the CRL is.
      assert.equal(statusOf(source, revoked, caA.certificate, wellAfter).status, 'revoked');
    } finally {
      await source.close();
    }
  }
});

test('a CRL naming a bundle CA key but not signed by it is refused and reported; one of another CA is no answer for the bundle CA', async () => {
  const leaf = await makeLeaf(caA);
  const forged = await makeCrl(caA, [], current(), intruder.signer);
  // Kept (an intermediate's CRL looks like this), but it covers only what its own signer issued.
  const foreign = await makeCrl(intruder, [], current());
  const file = writeCrls(forged, foreign, await makeCrl(caB, [], current()));
  const { source, errors } = await crlSource({ location: { file } });
  try {
    assert.deepEqual(codes(errors), ['GATEWAY_CRL_SIGNER_UNKNOWN']);
    assert.equal(statusOf(source, leaf, caA.certificate).status, 'unavailable');
    assert.deepEqual(statusOf(source, await makeLeaf(caB), caB.certificate), { status: 'good' });
  } finally {
    await source.close();
  }
});

test('a forged CRL that names a bundle CA in another case is refused too: names compare as RFC 5280 7.1 says, not byte for byte', async () => {
  const leaf = await makeLeaf(caA);
  const forged = await buildCrl(
    {
      issuer: parseName('CN=ca a,O=TEST'),
      ...current(),
      crlNumber: 1,
      authorityKeyIdentifier: caA.certificate.subjectKeyIdentifier!,
      revokedCertificates: [],
    },
    intruder.signer,
  );
  const file = writeCrls(forged);
  const { source, errors } = await crlSource({ location: { file } });
  try {
    assert.deepEqual(codes(errors), ['GATEWAY_CRL_SIGNER_UNKNOWN']);
    assert.equal(statusOf(source, leaf, caA.certificate).status, 'unavailable');
  } finally {
    await source.close();
  }
});

test('a refresh picks up a new file; a failed refresh keeps the last good CRL', async () => {
  const [first, second] = await Promise.all([makeLeaf(caA), makeLeaf(caA)]);
  const file = join(temp.path, 'refreshed.pem');
  writeFileSync(
    file,
    toPem('X509 CRL', await makeCrl(caA, [first], { thisUpdate: new Date(Date.now() - 120_000), nextUpdate: new Date(Date.now() + HOUR) })),
  );
  const { source, errors } = await crlSource({ location: { file }, refreshSeconds: 1 });
  try {
    assert.equal(statusOf(source, second, caA.certificate).status, 'good');
    writeFileSync(file, toPem('X509 CRL', await makeCrl(caA, [first, second], current())));
    const deadline = Date.now() + 4000;
    while (statusOf(source, second, caA.certificate).status !== 'revoked' && Date.now() < deadline)
      await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(statusOf(source, second, caA.certificate).status, 'revoked');
    writeFileSync(file, 'not a CRL');
    const errorsBefore = errors.length;
    while (errors.length === errorsBefore && Date.now() < deadline + 3000) await new Promise((resolve) => setTimeout(resolve, 50));
    assert.equal(codes(errors).at(-1), 'GATEWAY_CRL_INVALID');
    assert.equal(statusOf(source, second, caA.certificate).status, 'revoked');
    assert.equal(statusOf(source, first, caA.certificate).status, 'revoked');
  } finally {
    await source.close();
  }
});

test('a CRL URL is fetched over HTTP with a size cap; an HTTP error keeps the last good CRL', async () => {
  const revoked = await makeLeaf(caA);
  let body: Buffer = await makeCrl(caA, [revoked], current());
  let status = 200;
  let requests = 0;
  const server = createServer((_req, res) => {
    requests++;
    res.writeHead(status, { 'content-type': 'application/pkix-crl' });
    res.end(body);
  });
  const bound = await listen(server, { host: '127.0.0.1', port: 0 });
  const url = `http://${hostPort(bound)}/crl/a.crl`;
  try {
    const { source, errors } = await crlSource({ location: { url }, refreshSeconds: 1 });
    try {
      assert.deepEqual(errors, []);
      assert.equal(statusOf(source, revoked, caA.certificate).status, 'revoked');
      status = 500;
      const seen = requests;
      const deadline = Date.now() + 4000;
      while (errors.length === 0 && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 50));
      assert.ok(requests > seen);
      assert.equal(codes(errors)[0], 'GATEWAY_CRL_UNREADABLE');
      assert.equal(statusOf(source, revoked, caA.certificate).status, 'revoked');
    } finally {
      await source.close();
    }
    status = 200;
    body = Buffer.concat([body, Buffer.alloc(4096)]);
    const capped = await crlSource({ location: { url }, maxBytes: 1024 });
    try {
      assert.deepEqual(codes(capped.errors), ['GATEWAY_CRL_UNREADABLE']);
      assert.match(String((capped.errors[0] as Error).message), /over the limit|more than the limit/);
      assert.equal(statusOf(capped.source, revoked, caA.certificate).status, 'unavailable');
    } finally {
      await capped.source.close();
    }
  } finally {
    await closeServer(server);
  }
});

test('a CRL made by openssl ca -gencrl is read and its signature checked', async () => {
  const dir = temp.path;
  const key = join(dir, 'ossl-ca.key');
  const cert = join(dir, 'ossl-ca.crt');
  const made = await runTool('openssl', [
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    key,
    '-out',
    cert,
    '-subj',
    '/CN=OpenSSL CA',
    '-days',
    '2',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  assert.equal(made.code, 0, made.output);
  const ca = {
    certificate: parseCertificate(Buffer.from(readFileSync(cert, 'utf8').replace(/-----[^-]+-----|\s/g, ''), 'base64')),
    signer: createSigner(createPrivateKey(readFileSync(key))),
    privateKey: createPrivateKey(readFileSync(key)),
  };
  const [revoked, good] = await Promise.all([issueUnder(ca, 'revoked by openssl'), issueUnder(ca, 'good under openssl')]);
  const expiry = '301231235959Z';
  writeFileSync(
    join(dir, 'index.txt'),
    `R\t${expiry}\t240101000000Z,keyCompromise\t${revoked.certificate.serialNumber.toUpperCase()}\tunknown\t/CN=revoked by openssl\n`,
  );
  writeFileSync(join(dir, 'crlnumber'), '01\n');
  writeFileSync(
    join(dir, 'ca.cnf'),
    `[ca]\ndefault_ca = own\n[own]\ndatabase = ${join(dir, 'index.txt')}\ncrlnumber = ${join(dir, 'crlnumber')}\ndefault_md = sha256\ndefault_crl_days = 1\ncertificate = ${cert}\nprivate_key = ${key}\n`,
  );
  const crl = join(dir, 'openssl.crl');
  const generated = await runTool('openssl', ['ca', '-gencrl', '-config', join(dir, 'ca.cnf'), '-out', crl]);
  assert.equal(generated.code, 0, generated.output);
  const { source, errors } = await crlSource({ location: { file: crl }, caCertificates: [ca.certificate] });
  try {
    assert.deepEqual(errors, []);
    assert.equal(statusOf(source, revoked.certificate, ca.certificate).status, 'revoked');
    assert.deepEqual(statusOf(source, good.certificate, ca.certificate), { status: 'good' });
  } finally {
    await source.close();
  }
});

test('an unreadable file is reported; start still resolves and answers are unavailable', async () => {
  const { source, errors } = await crlSource({ location: { file: join(temp.path, 'missing.crl') } });
  try {
    assert.deepEqual(codes(errors), ['GATEWAY_CRL_UNREADABLE']);
    assert.equal(statusOf(source, await makeLeaf(caA), caA.certificate).status, 'unavailable');
    assert.equal(source.stats(new Date()).lagSeconds, undefined);
  } finally {
    await source.close();
  }
});

// Issue #13: the source runs the one RFC 5280 6.3 check of src/path on the whole path.

async function crlWith(
  ca: TestCa,
  revoked: readonly { serialNumber: string; reason?: 'keyCompromise' | 'certificateHold' | 'removeFromCRL' }[],
  extra: Partial<CrlTemplate> & { crlNumber: number },
): Promise<Buffer> {
  const times = current();
  return buildCrl(
    {
      issuer: ca.certificate.subjectDer,
      ...times,
      authorityKeyIdentifier: ca.certificate.subjectKeyIdentifier!,
      revokedCertificates: revoked.map((entry) => ({ revocationDate: times.thisUpdate, reason: 'keyCompromise' as const, ...entry })),
      ...extra,
    },
    ca.signer,
  );
}

test('a CRL that covers CA certificates only (onlyContainsCACerts) says nothing about a leaf: unavailable, not good', async () => {
  const leaf = await makeLeaf(caA);
  const { source, errors } = await crlSource({
    location: { file: writeCrls(await crlWith(caA, [], { crlNumber: 1, issuingDistributionPoint: { onlyContainsCaCerts: true } })) },
  });
  try {
    assert.deepEqual(errors, []);
    const answer = statusOf(source, leaf, caA.certificate);
    assert.equal(answer.status, 'unavailable');
    assert.match(answer.status === 'unavailable' ? answer.detail : '', /PATH_REVOCATION_UNKNOWN/);
  } finally {
    await source.close();
  }
});

test('partitioned CRLs: a newer, empty partition does not hide the partition that lists the leaf', async () => {
  const partition = (name: string): string => `http://127.0.0.1/crl/ca-a-${name}.crl`;
  const [inOne, alsoInOne, inTwo] = await Promise.all([
    issueUnder(caA, 'partition one', { crlDistributionPoints: [partition('one')] }),
    issueUnder(caA, 'partition one too', { crlDistributionPoints: [partition('one')] }),
    issueUnder(caA, 'partition two', { crlDistributionPoints: [partition('two')] }),
  ]);
  const one = await crlWith(caA, [{ serialNumber: inOne.certificate.serialNumber }], {
    crlNumber: 7,
    issuingDistributionPoint: { fullName: [partition('one')] },
  });
  const two = await crlWith(caA, [], {
    crlNumber: 8,
    thisUpdate: new Date(Date.now() - 1000),
    issuingDistributionPoint: { fullName: [partition('two')] },
  });
  const { source, errors } = await crlSource({ location: { file: writeCrls(one, two) } });
  try {
    assert.deepEqual(errors, []);
    assert.equal(statusOf(source, inOne.certificate, caA.certificate).status, 'revoked');
    assert.deepEqual(statusOf(source, alsoInOne.certificate, caA.certificate), { status: 'good' });
    assert.deepEqual(statusOf(source, inTwo.certificate, caA.certificate), { status: 'good' });
    // A leaf that names no partition is covered by none of them.
    assert.equal(statusOf(source, await makeLeaf(caA), caA.certificate).status, 'unavailable');
  } finally {
    await source.close();
  }
});

test('a delta CRL is applied to its base: a leaf it lists is revoked, a hold it removes is released', async () => {
  const [held, newlyRevoked, good] = await Promise.all([makeLeaf(caA), makeLeaf(caA), makeLeaf(caA)]);
  const base = await crlWith(caA, [{ serialNumber: held.serialNumber, reason: 'certificateHold' }], { crlNumber: 20 });
  const delta = await crlWith(
    caA,
    [{ serialNumber: newlyRevoked.serialNumber }, { serialNumber: held.serialNumber, reason: 'removeFromCRL' }],
    { crlNumber: 21, deltaCrlIndicator: 20 },
  );
  const { source, errors } = await crlSource({ location: { file: writeCrls(base, delta) } });
  try {
    assert.deepEqual(errors, []);
    assert.equal(statusOf(source, newlyRevoked, caA.certificate).status, 'revoked');
    assert.deepEqual(statusOf(source, held, caA.certificate), { status: 'good' });
    assert.deepEqual(statusOf(source, good, caA.certificate), { status: 'good' });
  } finally {
    await source.close();
  }
  // Without its base, a delta CRL covers nothing.
  const alone = await crlSource({ location: { file: writeCrls(delta) } });
  try {
    assert.equal(statusOf(alone.source, good, caA.certificate).status, 'unavailable');
  } finally {
    await alone.source.close();
  }
});

test('every certificate below the anchor is checked: an intermediate on the root CRL revokes its leaves, and its own CRL is signed with its key from the path', async () => {
  const issued = await issueUnder(caA, 'Issuing CA', { basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] });
  const issuing: TestCa = { certificate: issued.certificate, signer: createSigner(issued.privateKey), privateKey: issued.privateKey };
  const leaf = await makeLeaf(issuing);
  const rootCrl = (revoked: readonly Certificate[]): Promise<Buffer> =>
    crlWith(
      caA,
      revoked.map((certificate) => ({ serialNumber: certificate.serialNumber })),
      { crlNumber: 30 },
    );
  const path = [leaf, issuing.certificate, caA.certificate];
  const revokedCa = await crlSource({
    location: { file: writeCrls(await rootCrl([issuing.certificate]), await makeCrl(issuing, [], current())) },
  });
  const goodCa = await crlSource({ location: { file: writeCrls(await rootCrl([]), await makeCrl(issuing, [], current())) } });
  const noIssuingCrl = await crlSource({ location: { file: writeCrls(await rootCrl([])) } });
  try {
    assert.deepEqual([...revokedCa.errors, ...goodCa.errors], []);
    const refused = revokedCa.source.check(path, new Date());
    assert.equal(!(refused instanceof Promise) && refused.status, 'revoked');
    assert.deepEqual(goodCa.source.check(path, new Date()), { status: 'good' });
    const unknown = noIssuingCrl.source.check(path, new Date());
    assert.equal(!(unknown instanceof Promise) && unknown.status, 'unavailable');
  } finally {
    await Promise.all([revokedCa.source.close(), goodCa.source.close(), noIssuingCrl.source.close()]);
  }
});

test('a CRL signed with a separate CRL key is used when that signer comes in the CRL file, its path built through the client chain', async () => {
  const issued = await issueUnder(caA, 'Issuing CA', { basicConstraints: { isCa: true }, keyUsage: ['keyCertSign'] });
  const issuing: TestCa = { certificate: issued.certificate, signer: createSigner(issued.privateKey), privateKey: issued.privateKey };
  // Same name as the issuing CA, another key, only cRLSign, issued by the issuing CA (RFC 5280 6.3.3 (f)).
  const crlKey = await issueUnder(issuing, 'Issuing CA', { keyUsage: ['cRLSign'] });
  const crlSigner: TestCa = { certificate: crlKey.certificate, signer: createSigner(crlKey.privateKey), privateKey: crlKey.privateKey };
  const [revoked, good] = await Promise.all([makeLeaf(issuing), makeLeaf(issuing)]);
  const crls = [await crlWith(caA, [], { crlNumber: 40 }), await makeCrl(crlSigner, [revoked], current())];
  const withSigner = join(temp.path, 'with-signer.pem');
  writeFileSync(withSigner, [...crls.map((der) => toPem('X509 CRL', der)), toPem('CERTIFICATE', crlSigner.certificate.der)].join(''));
  const found = await crlSource({ location: { file: withSigner } });
  const missing = await crlSource({ location: { file: writeCrls(...crls) } });
  try {
    assert.deepEqual([...found.errors, ...missing.errors], []);
    const answer = (leaf: Certificate, source: RevocationSource): RevocationAnswer => {
      const result = source.check([leaf, issuing.certificate, caA.certificate], new Date());
      assert.ok(!(result instanceof Promise));
      return result;
    };
    assert.equal(answer(revoked, found.source).status, 'revoked');
    assert.deepEqual(answer(good, found.source), { status: 'good' });
    // The issuing CA's own key has no cRLSign and the CRL key is unknown: no usable CRL covers the leaf.
    assert.equal(answer(good, missing.source).status, 'unavailable');
  } finally {
    await Promise.all([found.source.close(), missing.source.close()]);
  }
});

test('a CERTIFICATE block in the CRL file that does not parse is reported and skipped; the CRLs still load', async () => {
  const revoked = await makeLeaf(caA);
  const file = join(temp.path, 'bad-signer.pem');
  writeFileSync(file, toPem('X509 CRL', await makeCrl(caA, [revoked], current())) + toPem('CERTIFICATE', Buffer.from('30030201ff', 'hex')));
  const { source, errors } = await crlSource({ location: { file } });
  try {
    assert.deepEqual(codes(errors), ['GATEWAY_CRL_INVALID']);
    assert.equal(statusOf(source, revoked, caA.certificate).status, 'revoked');
  } finally {
    await source.close();
  }
});
