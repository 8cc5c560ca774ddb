import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { generateKeyPairSync, verify } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { decodeDer, readBitString, readHeader, Tag } from '../../src/asn1/index.js';
import { SymbolonError } from '../../src/errors.js';
import { createSigner } from '../../src/keys/index.js';
import type { Signer } from '../../src/keys/index.js';
import { buildCertificate, buildSelfSignedCertificate } from '../../src/x509/certificate-builder.js';
import { buildCrl, encodeTbsCertList } from '../../src/x509/crl/crl-builder.js';
import type { CrlTemplate, RevokedEntry } from '../../src/x509/crl/crl-builder.js';
import { parseCrl, verifyCrlSignature } from '../../src/x509/crl/crl.js';
import { keyIdentifier } from '../../src/x509/extensions/encoding-key-ids.js';
import { encodeName, parseName } from '../../src/x509/name.js';
import { OID } from '../../src/x509/oids.js';
import { toPem } from '../../src/asn1/pem.js';
import { hasCommand, makeTempDir, run } from './openssl-interop-build-tools.js';

const hasOpenssl = hasCommand('openssl');
const hasCerttool = hasCommand('certtool');
const skipWithoutOpenssl = !hasOpenssl && 'openssl is not installed';
const dir = makeTempDir('symbolon-crl-');
after(() => dir.remove());

interface Party {
  readonly signer: Signer;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly name: Buffer;
}

function party(subject: string): Party {
  const signer = createSigner(generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}

// The certificates and CRLs cover the time the tests run: OpenSSL checks them against its clock.
const NOW = new Date();
const HOUR_MS = 3_600_000;
const NOT_BEFORE = new Date(NOW.getTime() - 24 * HOUR_MS);
const NOT_AFTER = new Date(NOW.getTime() + 365 * 24 * HOUR_MS);

const root = party('/CN=CRL Test Root');
const intermediate = party('/CN=CRL Test Intermediate');
const goodLeaf = party('/CN=good.example.com');
const revokedLeaf = party('/CN=revoked.example.com');
const pki: Record<'root' | 'intermediate' | 'good' | 'revoked', Buffer> = {
  root: Buffer.alloc(0),
  intermediate: Buffer.alloc(0),
  good: Buffer.alloc(0),
  revoked: Buffer.alloc(0),
};
const GOOD_SERIAL = 0x4a11_0001n;
const REVOKED_SERIAL = 0x4a11_0002n;

before(async () => {
  pki.root = await buildSelfSignedCertificate(
    {
      serialNumber: 1n,
      subject: root.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    root.signer,
  );
  const issue = (issuer: Party, subject: Party, serialNumber: bigint, isCa: boolean): Promise<Buffer> =>
    buildCertificate(
      {
        serialNumber,
        issuer: issuer.name,
        subject: subject.name,
        notBefore: NOT_BEFORE,
        notAfter: NOT_AFTER,
        subjectPublicKey: subject.spki,
        authorityKeyIdentifier: issuer.keyId,
        ...(isCa
          ? { basicConstraints: { isCa: true, pathLenConstraint: 0 }, keyUsage: ['keyCertSign', 'cRLSign'] as const }
          : { keyUsage: ['digitalSignature'] as const, extKeyUsage: ['clientAuth'] }),
      },
      issuer.signer,
    );
  pki.intermediate = await issue(root, intermediate, 2n, true);
  pki.good = await issue(intermediate, goodLeaf, GOOD_SERIAL, false);
  pki.revoked = await issue(intermediate, revokedLeaf, REVOKED_SERIAL, false);
});

function template(fields: Partial<CrlTemplate> = {}): CrlTemplate {
  return {
    issuer: intermediate.name,
    thisUpdate: new Date(NOW.getTime() - HOUR_MS),
    nextUpdate: new Date(NOW.getTime() + 24 * HOUR_MS),
    crlNumber: 7,
    authorityKeyIdentifier: intermediate.keyId,
    ...fields,
  };
}

const ENTRIES: readonly RevokedEntry[] = [
  {
    serialNumber: REVOKED_SERIAL,
    revocationDate: new Date('2025-03-01T10:20:30Z'),
    reason: 'keyCompromise',
    invalidityDate: new Date('2025-02-28T00:00:00Z'),
  },
  { serialNumber: 'ff01', revocationDate: new Date('2025-03-02T00:00:00Z'), reason: 'superseded' },
  { serialNumber: Buffer.from([0x00, 0x00, 0x7f, 0x01]), revocationDate: new Date('2025-03-03T00:00:00Z'), reason: 'unspecified' },
  { serialNumber: 'ABCDEF0123', revocationDate: new Date('2051-06-01T12:00:00Z'), reason: 'cessationOfOperation' },
  { serialNumber: '00c0ffee', revocationDate: new Date('2025-03-04T00:00:00Z'), reason: 'certificateHold' },
];

let fileCount = 0;
function write(name: string, content: string | Buffer): string {
  const path = join(dir.path, `${fileCount++}-${name}`);
  writeFileSync(path, content);
  return path;
}

function expectCode(code: string, action: () => unknown): void {
  assert.throws(action, (error: unknown) => error instanceof SymbolonError && error.code === code);
}

async function expectRejection(code: string, action: () => Promise<unknown>): Promise<void> {
  await assert.rejects(action, (error: unknown) => error instanceof SymbolonError && error.code === code);
}

test('the CRL parser reads back every entry, reason, date and extension of a built CRL', async () => {
  const crl = await buildCrl(
    template({
      revokedCertificates: ENTRIES,
      issuingDistributionPoint: { fullName: ['http://crl.example.com/i.crl'], onlyContainsUserCerts: true },
      freshestCrl: ['http://crl.example.com/i-delta.crl'],
    }),
    intermediate.signer,
  );
  const parsed = parseCrl(crl);
  assert.equal(parsed.version, 2);
  assert.ok(parsed.issuerDer.equals(intermediate.name));
  assert.equal(parsed.crlNumber, 7n);
  assert.equal(parsed.deltaCrlIndicator, undefined);
  assert.ok(parsed.authorityKeyIdentifier?.keyIdentifier?.equals(intermediate.keyId));
  assert.deepEqual(parsed.issuingDistributionPoint?.fullName, [{ type: 'uri', value: 'http://crl.example.com/i.crl' }]);
  assert.equal(parsed.issuingDistributionPoint?.onlyContainsUserCerts, true);
  assert.ok(parsed.extensions.some((extension) => extension.oid === OID.freshestCrl && !extension.critical));
  assert.ok(parsed.extensions.some((extension) => extension.oid === OID.issuingDistributionPoint && extension.critical));
  assert.deepEqual(
    parsed.revokedCertificates.map((entry) => [
      entry.serialNumber,
      entry.revocationDate.toISOString(),
      entry.reason,
      entry.invalidityDate?.toISOString(),
    ]),
    [
      ['4a110002', '2025-03-01T10:20:30.000Z', 'keyCompromise', '2025-02-28T00:00:00.000Z'],
      ['ff01', '2025-03-02T00:00:00.000Z', 'superseded', undefined],
      ['7f01', '2025-03-03T00:00:00.000Z', undefined, undefined],
      ['abcdef0123', '2051-06-01T12:00:00.000Z', 'cessationOfOperation', undefined],
      ['c0ffee', '2025-03-04T00:00:00.000Z', 'certificateHold', undefined],
    ],
  );
  // RFC 5280 5.3.1: an unspecified reason is left out; ff01 needs a sign octet.
  assert.equal(parsed.revokedCertificates[2]!.extensions.length, 0);
  assert.ok(parsed.revokedCertificates[1]!.serialNumberBytes.equals(Buffer.from([0x00, 0xff, 0x01])));
  assert.equal(verifyCrlSignature(parsed, intermediate.signer.publicKey), true);
  assert.equal(verifyCrlSignature(parsed, root.signer.publicKey), false);
});

test('times follow the 2050 rule: UTCTime through 2049, GeneralizedTime after', async () => {
  const crl = await buildCrl(
    template({
      thisUpdate: new Date('2049-12-31T23:59:59Z'),
      nextUpdate: new Date('2050-01-01T00:00:00Z'),
      revokedCertificates: [
        { serialNumber: '01', revocationDate: new Date('2050-01-01T00:00:00Z'), invalidityDate: new Date('2049-01-01T00:00:00Z') },
      ],
    }),
    intermediate.signer,
  );
  const tbs = decodeDer(crl).children[0]!;
  assert.equal(tbs.children[3]!.tag, Tag.UTC_TIME);
  assert.equal(tbs.children[4]!.tag, Tag.GENERALIZED_TIME);
  const entry = tbs.children[5]!.children[0]!;
  assert.equal(entry.children[1]!.tag, Tag.GENERALIZED_TIME);
  // RFC 5280 5.3.2: invalidityDate is a GeneralizedTime whatever the year.
  const invalidity = decodeDer(entry.children[2]!.children[0]!.children[1]!.content);
  assert.equal(invalidity.tag, Tag.GENERALIZED_TIME);
  assert.equal(invalidity.content.toString('latin1'), '20490101000000Z');
});

test('entry times are exact to the second over the years 0 to 9999', () => {
  const signer = intermediate.signer;
  const earliest = Date.parse('0000-01-01T00:00:00Z');
  const latest = Date.parse('9999-12-31T23:59:59.999Z');
  fc.assert(
    fc.property(fc.array(fc.integer({ min: earliest, max: latest }), { minLength: 1, maxLength: 50 }), (times) => {
      const entries = times.map((ms, i) => ({ serialNumber: BigInt(i + 1), revocationDate: new Date(ms), invalidityDate: new Date(ms) }));
      const tbs = encodeTbsCertList(template({ revokedCertificates: entries }), signer.algorithm);
      const list = decodeDer(tbs).children[5]!;
      list.children.forEach((entry, i) => {
        const expected = new Date(Math.floor(times[i]! / 1000) * 1000).toISOString();
        const year = new Date(times[i]!).getUTCFullYear();
        const text = entry.children[1]!.content.toString('latin1');
        const digits = year >= 1950 && year <= 2049 ? text : text.slice(2);
        // ISO 2025-03-01T10:20:30.000Z against YYMMDDHHMMSSZ
        assert.equal(digits, expected.replace(/[-:T]/g, '').slice(2, 14) + 'Z', `${expected} written as ${text}`);
        if (!(year >= 1950 && year <= 2049)) assert.equal(text.slice(0, 2), expected.slice(0, 2));
      });
    }),
    { seed: 7, numRuns: 200 },
  );
});

test('serial numbers given as bytes, hex and bigint encode the same', () => {
  const forms: RevokedEntry['serialNumber'][] = [Buffer.from([0x00, 0x80, 0x01]), '8001', '008001', 0x8001n, '08001'];
  const date = new Date('2025-01-01T00:00:00Z');
  const encodings = forms.map((serialNumber) =>
    encodeTbsCertList(template({ revokedCertificates: [{ serialNumber, revocationDate: date }] }), intermediate.signer.algorithm).toString(
      'hex',
    ),
  );
  for (const encoding of encodings) assert.equal(encoding, encodings[0]);
  const entry = decodeDer(Buffer.from(encodings[0]!, 'hex')).children[5]!.children[0]!;
  assert.equal(entry.children[0]!.bytes.toString('hex'), '0203008001');
  // An odd count of hex digits keeps its first digit in a one-digit octet.
  const odd = encodeTbsCertList(
    template({ revokedCertificates: [{ serialNumber: 'abc', revocationDate: date }] }),
    intermediate.signer.algorithm,
  );
  assert.equal(decodeDer(odd).children[5]!.children[0]!.children[0]!.bytes.toString('hex'), '02020abc');
});

test('a CRL with no revoked certificate leaves the list out (RFC 5280 5.1.2.6)', async () => {
  for (const revokedCertificates of [undefined, []]) {
    const crl = await buildCrl(template(revokedCertificates === undefined ? {} : { revokedCertificates }), intermediate.signer);
    const tbs = decodeDer(crl).children[0]!;
    assert.equal(tbs.children.length, 6);
    assert.equal(tbs.children[5]!.tag, 0xa0);
    assert.equal(parseCrl(crl).revokedCertificates.length, 0);
  }
});

test('a delta CRL carries a critical deltaCRLIndicator with the base CRL number', async () => {
  const crl = await buildCrl(
    template({
      crlNumber: 12,
      deltaCrlIndicator: 10,
      revokedCertificates: [{ serialNumber: '05', revocationDate: new Date('2025-01-01T00:00:00Z'), reason: 'removeFromCRL' }],
    }),
    intermediate.signer,
  );
  const parsed = parseCrl(crl);
  assert.equal(parsed.deltaCrlIndicator, 10n);
  assert.equal(parsed.crlNumber, 12n);
  assert.equal(parsed.revokedCertificates[0]!.reason, 'removeFromCRL');
  assert.ok(parsed.extensions.some((extension) => extension.oid === OID.deltaCrlIndicator && extension.critical));
});

test('refuses templates that cannot make a conforming CRL, with CRL_INVALID_INPUT', async () => {
  const date = new Date('2025-01-01T00:00:00Z');
  const entry = (fields: Partial<RevokedEntry>): CrlTemplate =>
    template({ revokedCertificates: [{ serialNumber: '01', revocationDate: date, ...fields }] });
  const cases: Record<string, CrlTemplate> = {
    'zero serial': entry({ serialNumber: '0000' }),
    'empty serial': entry({ serialNumber: '' }),
    'zero-byte serial': entry({ serialNumber: Buffer.from([0, 0]) }),
    'negative serial': entry({ serialNumber: -5n }),
    'not hex': entry({ serialNumber: '12zz' }),
    'hex prefix': entry({ serialNumber: '0x12' }),
    'non-ASCII hex': entry({ serialNumber: '1é' }),
    '21-octet serial': entry({ serialNumber: '80' + '00'.repeat(19) }),
    'too long serial': entry({ serialNumber: Buffer.alloc(21, 1) }),
    'invalid date': entry({ revocationDate: new Date(Number.NaN) }),
    'not a date': entry({ revocationDate: '2025-01-01' as unknown as Date }),
    'year 10000': entry({ revocationDate: new Date('+010000-01-01T00:00:00Z') }),
    'invalid invalidityDate': entry({ invalidityDate: new Date(Number.NaN) }),
    'unknown reason': entry({ reason: 'stolen' as RevokedEntry['reason'] & string }),
    'removeFromCRL in a complete CRL': entry({ reason: 'removeFromCRL' }),
    'nextUpdate before thisUpdate': template({ nextUpdate: new Date(NOW.getTime() - 2 * HOUR_MS) }),
    'negative CRL number': template({ crlNumber: -1 }),
    'fractional CRL number': template({ crlNumber: 1.5 }),
    '21-octet CRL number': template({ crlNumber: 1n << 160n }),
    'base not below the CRL number': template({ crlNumber: 5, deltaCrlIndicator: 5 }),
    'freshestCrl in a delta CRL': template({ crlNumber: 5, deltaCrlIndicator: 4, freshestCrl: ['http://x.example/d.crl'] }),
    'empty freshestCrl': template({ freshestCrl: [] }),
    'bad URI': template({ freshestCrl: ['not a uri'] }),
    'empty issuer': template({ issuer: [] }),
    'issuer bytes not a Name': template({ issuer: Buffer.from([1, 2, 3]) }),
    'missing authorityKeyIdentifier': template({ authorityKeyIdentifier: undefined as unknown as Uint8Array }),
    'empty authorityKeyIdentifier': template({ authorityKeyIdentifier: Buffer.alloc(0) }),
    'empty issuingDistributionPoint': template({ issuingDistributionPoint: {} }),
    'two onlyContains flags': template({ issuingDistributionPoint: { onlyContainsCaCerts: true, onlyContainsUserCerts: true } }),
    'unknown reason flag': template({ issuingDistributionPoint: { onlySomeReasons: ['unused' as 'keyCompromise'] } }),
  };
  for (const [name, value] of Object.entries(cases)) {
    await expectRejection('CRL_INVALID_INPUT', () => buildCrl(value, intermediate.signer)).catch((error: unknown) => {
      throw new Error(`${name}: ${String(error)}`);
    });
  }
  expectCode('CRL_INVALID_INPUT', () => encodeTbsCertList(entry({ serialNumber: 'g1' }), intermediate.signer.algorithm));
});

test('a 100,000-entry CRL is built and signed, and OpenSSL verifies it (bench/crl.ts times the build)', async () => {
  const entries: RevokedEntry[] = [];
  const base = Date.UTC(2024, 0, 1);
  for (let i = 0; i < 100_000; i++) {
    entries.push({
      serialNumber: (0x4000_0000_0000_0000n + BigInt(i) * 7919n).toString(16),
      revocationDate: new Date(base + i * 1000),
      ...(i % 3 === 0 ? { reason: 'keyCompromise' as const } : {}),
    });
  }
  const crl = await buildCrl(template({ revokedCertificates: entries }), intermediate.signer);
  // The tbsCertList is the first element: check the signature over it without a full parse.
  const outer = readHeader(crl, 0, crl.length);
  const tbsHeader = readHeader(crl, outer.headerLength, crl.length);
  const tbs = crl.subarray(outer.headerLength, outer.headerLength + tbsHeader.headerLength + tbsHeader.length);
  const signature = readBitString(
    decodeDer(crl.subarray(outer.headerLength + tbs.length + intermediate.signer.algorithm.identifier.length)),
  ).bytes;
  assert.equal(verify('sha256', tbs, intermediate.signer.publicKey, signature), true);
  if (!hasOpenssl) return;
  const result = run('openssl', [
    'crl',
    '-inform',
    'DER',
    '-in',
    write('big.crl', crl),
    '-noout',
    '-CAfile',
    write('int.pem', toPem('CERTIFICATE', pki.intermediate)),
  ]);
  assert.match(result.stdout + result.stderr, /verify OK/);
});

function opensslCrlText(crl: Buffer): string {
  const result = run('openssl', ['crl', '-inform', 'DER', '-noout', '-text'], crl);
  assert.equal(result.status, 0, result.stderr);
  return result.stdout;
}

test('OpenSSL prints our CRL and verifies its signature', { skip: skipWithoutOpenssl }, async () => {
  const crl = await buildCrl(
    template({ revokedCertificates: ENTRIES, freshestCrl: ['http://crl.example.com/delta.crl'] }),
    intermediate.signer,
  );
  const text = opensslCrlText(crl);
  assert.match(text, /Version 2 \(0x1\)/);
  assert.match(text, /X509v3 CRL Number: \n\s+7/);
  assert.match(text, /Key Compromise/);
  assert.match(text, /Superseded/);
  assert.match(text, /Certificate Hold/);
  assert.match(text, /Invalidity Date/);
  assert.match(text, /Freshest CRL/);
  assert.match(text, /Serial Number: 4A110002/);
  const verified = run('openssl', [
    'crl',
    '-inform',
    'DER',
    '-in',
    write('i.crl', crl),
    '-noout',
    '-CAfile',
    write('ca.pem', toPem('CERTIFICATE', pki.intermediate) + toPem('CERTIFICATE', pki.root)),
  ]);
  assert.equal(verified.status, 0, verified.stderr);
  assert.match(verified.stdout + verified.stderr, /verify OK/);
  const wrongCa = run('openssl', [
    'crl',
    '-inform',
    'DER',
    '-in',
    write('i.crl', crl),
    '-noout',
    '-CAfile',
    write('root.pem', toPem('CERTIFICATE', pki.root)),
  ]);
  assert.doesNotMatch(wrongCa.stdout, /verify OK/);
});

test('openssl verify -crl_check accepts a good leaf and rejects a revoked one', { skip: skipWithoutOpenssl }, async () => {
  const crl = await buildCrl(template({ revokedCertificates: ENTRIES }), intermediate.signer);
  const crlFile = write('i.pem', toPem('X509 CRL', crl));
  const rootFile = write('root.pem', toPem('CERTIFICATE', pki.root));
  const untrusted = write('int.pem', toPem('CERTIFICATE', pki.intermediate));
  const verify = (leaf: Buffer): { status: number | null; output: string } => {
    const result = run('openssl', [
      'verify',
      '-x509_strict',
      '-crl_check',
      '-CRLfile',
      crlFile,
      '-CAfile',
      rootFile,
      '-untrusted',
      untrusted,
      write('leaf.pem', toPem('CERTIFICATE', leaf)),
    ]);
    return { status: result.status, output: result.stdout + result.stderr };
  };
  const good = verify(pki.good);
  assert.equal(good.status, 0, good.output);
  assert.match(good.output, /: OK/);
  const revoked = verify(pki.revoked);
  assert.notEqual(revoked.status, 0);
  assert.match(revoked.output, /certificate revoked/);
});

test('OpenSSL shows the Delta CRL Indicator of a delta CRL', { skip: skipWithoutOpenssl }, async () => {
  const crl = await buildCrl(
    template({
      crlNumber: 9,
      deltaCrlIndicator: 7,
      revokedCertificates: [{ serialNumber: 'ff01', revocationDate: new Date('2025-03-05T00:00:00Z'), reason: 'removeFromCRL' }],
    }),
    intermediate.signer,
  );
  const text = opensslCrlText(crl);
  assert.match(text, /X509v3 Delta CRL Indicator: critical\n\s+7/);
  assert.match(text, /Remove From CRL/);
});

test('GnuTLS certtool reads our CRL', { skip: !hasCerttool && 'certtool is not installed' }, async () => {
  const crl = await buildCrl(
    template({
      revokedCertificates: ENTRIES,
      issuingDistributionPoint: { fullName: ['http://crl.example.com/i.crl'], onlySomeReasons: ['keyCompromise', 'cACompromise'] },
    }),
    intermediate.signer,
  );
  const result = run('certtool', ['--crl-info', '--inder', '--infile', write('i.crl', crl)]);
  assert.equal(result.status, 0, result.stderr);
  assert.match(result.stdout, /Revoked certificates \(5\)/);
  const verified = run('certtool', [
    '--verify-crl',
    '--inder',
    '--infile',
    write('i.crl', crl),
    '--load-ca-certificate',
    write('int.der', pki.intermediate),
  ]);
  assert.equal(verified.status, 0, verified.stdout + verified.stderr);
});
