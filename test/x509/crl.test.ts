import { after, test } from 'node:test';
import assert from 'node:assert/strict';
import { createPublicKey, generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { der } from '../../src/asn1/index.js';
import { SymbolonError } from '../../src/errors.js';
import {
  encodeExtension,
  encodeName,
  OID,
  parseCrl,
  parseCrls,
  parseName,
  readRevokedSerials,
  signatureAlgorithm,
  toPem,
  verifyCrlSignature,
} from '../../src/x509/index.js';
import { hasCommand, makeTempDir, run } from './openssl-interop-build-tools.js';

const dir = makeTempDir('symbolon-crl-');
after(() => dir.remove());
const ecdsa = signatureAlgorithm('ecdsa-with-SHA256');
const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const issuerName = encodeName(parseName('/C=US/O=CRL Test/CN=CRL Issuer'));

interface CrlParts {
  readonly version?: Buffer | null;
  readonly innerAlgorithm?: Buffer;
  readonly nextUpdate?: Buffer | null;
  readonly entries?: readonly Buffer[] | null;
  readonly extensions?: readonly Buffer[] | null;
  readonly key?: KeyObject;
}

function makeCrl(parts: CrlParts = {}): Buffer {
  const fields: Buffer[] = [];
  if (parts.version !== null) fields.push(parts.version ?? der.integer(1));
  fields.push(parts.innerAlgorithm ?? ecdsa.identifier, issuerName, der.time(new Date('2030-01-01T00:00:00Z')));
  if (parts.nextUpdate !== null) fields.push(parts.nextUpdate ?? der.time(new Date('2030-02-01T00:00:00Z')));
  if (parts.entries !== null)
    fields.push(der.sequenceOf(parts.entries ?? [entry(0x1234n, [encodeExtension(OID.crlReason, false, der.enumerated(1))])]));
  if (parts.extensions !== null)
    fields.push(der.explicit(0, der.sequenceOf(parts.extensions ?? [encodeExtension(OID.crlNumber, false, der.integer(7))])));
  const tbs = der.sequenceOf(fields);
  return der.sequence(tbs, ecdsa.identifier, der.bitString(sign('sha256', tbs, parts.key ?? issuerKeys.privateKey)));
}

function entry(serial: bigint, extensions?: readonly Buffer[]): Buffer {
  const parts = [der.integer(serial), der.time(new Date('2029-12-01T00:00:00Z'))];
  if (extensions !== undefined) parts.push(der.sequenceOf(extensions));
  return der.sequenceOf(parts);
}

function codeOf(action: () => unknown): string {
  try {
    action();
  } catch (error) {
    assert.ok(error instanceof SymbolonError, String(error));
    return error.code;
  }
  return 'no error';
}

test('parses a v2 CRL with entries, reasons, a CRL number and an issuing distribution point', () => {
  const idp = der.sequence(
    der.explicit(0, der.contextConstructed(0, [der.contextPrimitive(6, Buffer.from('http://crl.example.com/a.crl'))])),
    der.contextPrimitive(1, Buffer.from([0xff])),
  );
  const aki = der.sequence(der.contextPrimitive(0, Buffer.alloc(20, 9)));
  const crl = parseCrl(
    makeCrl({
      entries: [
        entry(0x1234n, [
          encodeExtension(OID.crlReason, false, der.enumerated(1)),
          encodeExtension(OID.invalidityDate, false, der.generalizedTime(new Date('2029-11-01T00:00:00Z'))),
        ]),
        entry(5n),
        entry(6n, [encodeExtension(OID.crlReason, false, der.enumerated(6))]),
      ],
      extensions: [
        encodeExtension(OID.crlNumber, false, der.integer(42)),
        encodeExtension(OID.authorityKeyIdentifier, false, aki),
        encodeExtension(OID.issuingDistributionPoint, true, idp),
      ],
    }),
  );
  assert.equal(crl.version, 2);
  assert.equal(crl.crlNumber, 42n);
  assert.deepEqual(crl.authorityKeyIdentifier?.keyIdentifier, Buffer.alloc(20, 9));
  assert.equal(crl.thisUpdate.toISOString(), '2030-01-01T00:00:00.000Z');
  assert.equal(crl.nextUpdate?.toISOString(), '2030-02-01T00:00:00.000Z');
  assert.equal(crl.revokedCertificates.length, 3);
  assert.equal(crl.revokedCertificates[0]!.serialNumber, '1234');
  assert.equal(crl.revokedCertificates[0]!.reason, 'keyCompromise');
  assert.equal(crl.revokedCertificates[0]!.invalidityDate?.toISOString(), '2029-11-01T00:00:00.000Z');
  assert.equal(crl.revokedCertificates[1]!.reason, undefined);
  assert.equal(crl.revokedCertificates[2]!.reason, 'certificateHold');
  assert.equal(crl.issuingDistributionPoint?.onlyContainsUserCerts, true);
  assert.deepEqual(crl.issuingDistributionPoint?.fullName, [{ type: 'uri', value: 'http://crl.example.com/a.crl' }]);
  assert.equal(crl.deltaCrlIndicator, undefined);
  assert.equal(verifyCrlSignature(crl, issuerKeys.publicKey), true);
  assert.equal(verifyCrlSignature(crl, generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey), false);
  assert.ok(Object.isFrozen(crl) && Object.isFrozen(crl.revokedCertificates[0]));
});

test('parses a v1 CRL without nextUpdate or entries', () => {
  const crl = parseCrl(makeCrl({ version: null, nextUpdate: null, entries: null, extensions: null }));
  assert.equal(crl.version, 1);
  assert.equal(crl.nextUpdate, undefined);
  assert.deepEqual(crl.revokedCertificates, []);
});

test('reads a delta CRL indicator, which must be critical', () => {
  assert.equal(parseCrl(makeCrl({ extensions: [encodeExtension(OID.deltaCrlIndicator, true, der.integer(3))] })).deltaCrlIndicator, 3n);
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ extensions: [encodeExtension(OID.deltaCrlIndicator, false, der.integer(3))] }))),
    'CRL_BAD_EXTENSION',
  );
});

test('refuses CRLs that break RFC 5280 5.1 with a stable code', () => {
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ version: der.integer(2) }))),
    'CRL_UNSUPPORTED_VERSION',
  );
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ version: null }))),
    'CRL_MALFORMED',
  ); // v1 with extensions
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ innerAlgorithm: signatureAlgorithm('ecdsa-with-SHA384').identifier }))),
    'CRL_MALFORMED',
  );
  assert.equal(
    codeOf(() =>
      parseCrl(
        makeCrl({
          extensions: [encodeExtension(OID.crlNumber, false, der.integer(1)), encodeExtension(OID.crlNumber, false, der.integer(2))],
        }),
      ),
    ),
    'CRL_DUPLICATE_EXTENSION',
  );
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ extensions: [encodeExtension(OID.crlNumber, false, der.integer(-1))] }))),
    'CRL_BAD_EXTENSION',
  );
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ entries: [entry(1n, [encodeExtension(OID.crlReason, false, der.enumerated(7))])] }))),
    'CRL_BAD_EXTENSION',
  );
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ entries: [entry(1n, [encodeExtension(OID.crlReason, false, der.integer(1))])] }))),
    'CRL_BAD_EXTENSION',
  );
  const bothOnly = der.sequence(der.contextPrimitive(1, Buffer.from([0xff])), der.contextPrimitive(2, Buffer.from([0xff])));
  assert.equal(
    codeOf(() => parseCrl(makeCrl({ extensions: [encodeExtension(OID.issuingDistributionPoint, true, bothOnly)] }))),
    'CRL_BAD_EXTENSION',
  );
  assert.equal(
    codeOf(() => parseCrl(Buffer.concat([makeCrl(), Buffer.from([0])]))),
    'ASN1_TRAILING_DATA',
  );
  assert.equal(
    codeOf(() => parseCrl(Buffer.alloc(33 * 1024 * 1024))),
    'ASN1_TOO_LARGE',
  );
});

test('one reader: parseCrl indexes the entries as readRevokedSerials does, and both refuse the same entries', () => {
  const input = makeCrl({ entries: [entry(0x1234n, [encodeExtension(OID.crlReason, false, der.enumerated(1))]), entry(5n)] });
  assert.deepEqual([...parseCrl(input).entries.byKey], [...readRevokedSerials(input).entries.byKey]);
  assert.deepEqual(
    [...parseCrl(input).entries.byKey],
    [
      ['1234', 1],
      ['05', -1],
    ],
  );
  const refused = [
    // RFC 5280 5.3.1: removeFromCRL only in delta CRLs.
    makeCrl({ entries: [entry(1n, [encodeExtension(OID.crlReason, false, der.enumerated(8))])] }),
    // RFC 5280 5.3.2: invalidityDate is a GeneralizedTime.
    makeCrl({ entries: [entry(1n, [encodeExtension(OID.invalidityDate, false, der.utcTime(new Date('2029-01-01T00:00:00Z')))])] }),
  ];
  for (const bad of refused) {
    assert.equal(
      codeOf(() => parseCrl(bad)),
      'CRL_BAD_EXTENSION',
    );
    assert.equal(
      codeOf(() => readRevokedSerials(bad)),
      'CRL_BAD_EXTENSION',
    );
  }
  // RFC 5280 4.2: an extension at most once, a private one too.
  const twice = makeCrl({
    entries: [
      entry(1n, [
        encodeExtension('1.3.6.1.4.1.99999.3', false, der.nullValue()),
        encodeExtension('1.3.6.1.4.1.99999.3', false, der.nullValue()),
      ]),
    ],
  });
  assert.equal(
    codeOf(() => parseCrl(twice)),
    'CRL_DUPLICATE_EXTENSION',
  );
  assert.equal(
    codeOf(() => readRevokedSerials(twice)),
    'CRL_DUPLICATE_EXTENSION',
  );
  // A fault inside the CRL is the CRL's (the DER fault its cause); the outer frame keeps ASN1_*.
  const truncatedEntry = makeCrl({ entries: [der.tlv(0x30, Buffer.from([0x02, 0x05, 0x01]))] });
  assert.equal(
    codeOf(() => parseCrl(truncatedEntry)),
    'CRL_MALFORMED',
  );
  assert.equal(
    codeOf(() => readRevokedSerials(truncatedEntry)),
    'CRL_MALFORMED',
  );
});

test('an unknown critical entry extension is named for the validator by parseCrl, and refused by readRevokedSerials (RFC 5280 5.3)', () => {
  const input = makeCrl({ entries: [entry(1n, [encodeExtension('1.3.6.1.4.1.99999.4', true, der.nullValue())])] });
  const crl = parseCrl(input);
  assert.equal(crl.entries.unprocessedCriticalEntryExtension, '1.3.6.1.4.1.99999.4');
  assert.deepEqual(
    crl.revokedCertificates[0]!.extensions.map((extension) => [extension.oid, extension.critical]),
    [['1.3.6.1.4.1.99999.4', true]],
  );
  assert.equal(
    codeOf(() => readRevokedSerials(input)),
    'CRL_CRITICAL_EXTENSION_UNSUPPORTED',
  );
});

test('keeps unknown extensions raw, with their criticality, for the validator to judge', () => {
  const crl = parseCrl(makeCrl({ extensions: [encodeExtension('1.3.6.1.4.1.99999.9', true, der.nullValue())] }));
  assert.deepEqual(
    crl.extensions.map((extension) => [extension.oid, extension.critical]),
    [['1.3.6.1.4.1.99999.9', true]],
  );
});

test('reads CRLs from PEM (X509 CRL blocks) and DER', () => {
  const one = makeCrl();
  const two = makeCrl({ entries: null });
  assert.equal(parseCrls(toPem('X509 CRL', one) + toPem('X509 CRL', two)).length, 2);
  assert.equal(parseCrls(one).length, 1);
  assert.equal(
    codeOf(() => parseCrls('no pem here')),
    'PEM_NOT_FOUND',
  );
});

test(
  'reads a CRL that OpenSSL made with a revoked entry and reason',
  { skip: !hasCommand('openssl') && 'openssl is not installed' },
  () => {
    const ca = join(dir.path, 'ca');
    mkdirSync(ca);
    writeFileSync(join(ca, 'index.txt'), '');
    writeFileSync(join(ca, 'crlnumber'), '1000\n');
    writeFileSync(
      join(ca, 'ca.cnf'),
      `[ca]\ndefault_ca = test\n[test]\ndatabase = ${ca}/index.txt\ncrlnumber = ${ca}/crlnumber\ndefault_md = sha256\ndefault_crl_days = 30\ncrl_extensions = crl_ext\n[crl_ext]\nauthorityKeyIdentifier = keyid:always\n`,
    );
    const key = join(ca, 'ca.key');
    const cert = join(ca, 'ca.crt');
    const leafKey = join(ca, 'leaf.key');
    const leaf = join(ca, 'leaf.crt');
    const ok = (args: string[]): void => {
      const result = run('openssl', args);
      assert.equal(result.status, 0, result.stderr);
    };
    ok([
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
      '/CN=OpenSSL CRL CA',
      '-days',
      '30',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
    ]);
    ok([
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-keyout',
      leafKey,
      '-out',
      leaf,
      '-subj',
      '/CN=leaf',
      '-days',
      '30',
      '-CA',
      cert,
      '-CAkey',
      key,
      '-set_serial',
      '0x5eed',
    ]);
    ok(['ca', '-config', join(ca, 'ca.cnf'), '-keyfile', key, '-cert', cert, '-revoke', leaf, '-crl_reason', 'keyCompromise']);
    const crlPath = join(ca, 'ca.crl');
    ok(['ca', '-config', join(ca, 'ca.cnf'), '-keyfile', key, '-cert', cert, '-gencrl', '-out', crlPath]);
    const [crl] = parseCrls(readFileSync(crlPath, 'latin1'));
    assert.ok(crl);
    assert.equal(crl.version, 2);
    assert.equal(crl.crlNumber, 0x1000n);
    assert.equal(crl.revokedCertificates.length, 1);
    assert.equal(crl.revokedCertificates[0]!.serialNumber, '5eed');
    assert.equal(crl.revokedCertificates[0]!.reason, 'keyCompromise');
    const caKey = run('openssl', ['x509', '-in', cert, '-noout', '-pubkey']);
    assert.equal(verifyCrlSignature(crl, createPublicKey(caKey.stdout)), true);
  },
);

test('any mutated CRL parses or fails with a typed error (seeded)', () => {
  const base = makeCrl({
    extensions: [
      encodeExtension(OID.crlNumber, false, der.integer(9)),
      encodeExtension(OID.issuingDistributionPoint, true, der.sequence(der.contextPrimitive(2, Buffer.from([0xff])))),
    ],
  });
  fc.assert(
    fc.property(
      fc.array(fc.record({ at: fc.nat({ max: 4096 }), value: fc.nat({ max: 255 }), cut: fc.boolean() }), { minLength: 1, maxLength: 4 }),
      (edits) => {
        let input = Buffer.from(base);
        for (const edit of edits) {
          if (edit.cut) input = input.subarray(0, edit.at % (input.length + 1));
          else if (input.length > 0) input[edit.at % input.length] = edit.value;
        }
        try {
          parseCrl(input);
        } catch (error) {
          assert.ok(error instanceof SymbolonError, `not a typed error: ${String(error)}`);
        }
      },
    ),
    { seed: 11, numRuns: 3000 },
  );
});
