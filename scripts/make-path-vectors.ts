/**
 * Makes the path-validation vectors: a chain for every rule of src/path/, valid and invalid,
 * including hostile pools and huge name-constraint sets, built with Symbolon's own certificate
 * builder (and, for what the builder refuses to write, DER assembled field by field and signed
 * with node:crypto). Each vector carries the result and code the validator must give and what
 * OpenSSL and GnuTLS are expected to say; test/path/path-vectors.test.ts runs them all.
 *
 *   node --import tsx scripts/make-path-vectors.ts OUTDIR   writes PEM files and manifest.json
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { der } from '../src/asn1/index.js';
import { createSigner } from '../src/keys/index.js';
import type { Signer, SignerOptions } from '../src/keys/index.js';
import type { CrlRequirement, PathErrorCode, PathLimits, PathPurpose, PeerIdentity, ValidationProfile } from '../src/path/index.js';
import {
  buildCertificate,
  buildSelfSignedCertificate,
  encodeExtension,
  encodeName,
  keyIdentifier,
  OID,
  parseCertificate,
  parseName,
  toPem,
} from '../src/x509/index.js';
import type { CertificateTemplate, GeneralName, NameConstraints } from '../src/x509/index.js';
import { rawCertificate as assembleCertificate } from './raw-certificate.js';

/** The validation time of every vector: inside the default validity of every certificate. */
export const AT = new Date('2030-01-01T00:00:00Z');
const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const NOT_AFTER = new Date('2045-01-01T00:00:00Z');

export type Expected =
  | { readonly ok: true; readonly pathLength?: number }
  | { readonly ok: false; readonly code: PathErrorCode; readonly certificateIndex?: number };

export interface PathVector {
  readonly name: string;
  readonly leaf: Buffer;
  /** The untrusted pool, in the order a peer would send it (any order). */
  readonly intermediates: readonly Buffer[];
  readonly anchors: readonly Buffer[];
  readonly crls: readonly Buffer[];
  readonly purpose: PathPurpose;
  readonly peer?: PeerIdentity;
  readonly crlRequirement?: CrlRequirement;
  readonly limits?: Partial<PathLimits>;
  /** The validation profile; strict (the validator's default) unless the vector says why not. */
  readonly profile?: ValidationProfile;
  readonly expected: Expected;
  /**
   * What `openssl verify` says (true: OK), when it is run on this vector; by default the same
   * as `expected.ok`. `disagreement` then says which rule of the standard decides, and why.
   */
  readonly openssl?: boolean | 'skip';
  /** What `certtool --verify-chain` on the path Symbolon found says; checked on valid vectors. */
  readonly certtool?: boolean | 'skip';
  /** Options `openssl verify` needs to apply the same rule (it checks policies only when asked). */
  readonly opensslArgs?: readonly string[];
  readonly disagreement?: string;
  /** The vector exercises a bound; its time limit is the test's business. */
  readonly isHostile?: boolean;
}

type KeyKind = 'P-256' | 'P-384' | 'Ed25519' | 'RSA' | 'RSA-PSS';

interface Party {
  readonly privateKey: KeyObject;
  readonly signer: Signer;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly name: Buffer;
}

const rsaKeys: KeyObject[] = [];

function newKey(kind: KeyKind): { privateKey: KeyObject; options: SignerOptions } {
  switch (kind) {
    case 'P-256':
      return { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-256' }).privateKey, options: {} };
    case 'P-384':
      return { privateKey: generateKeyPairSync('ec', { namedCurve: 'P-384' }).privateKey, options: {} };
    case 'Ed25519':
      return { privateKey: generateKeyPairSync('ed25519').privateKey, options: {} };
    case 'RSA':
    case 'RSA-PSS': {
      // RSA keys are slow to make: two are shared by every RSA certificate.
      if (rsaKeys.length < 2) rsaKeys.push(generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey);
      return { privateKey: rsaKeys[rsaKeys.length - 1]!, options: kind === 'RSA-PSS' ? { rsaPadding: 'pss' } : {} };
    }
  }
}

function party(subject: string, kind: KeyKind = 'P-256'): Party {
  const { privateKey, options } = newKey(kind);
  const signer = createSigner(privateKey, options);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, signer, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}

/** The same subject name with a new key (a CA's key rollover, or an impostor). */
function rekey(p: Party, kind: KeyKind = 'P-256'): Party {
  const { privateKey, options } = newKey(kind);
  const signer = createSigner(privateKey, options);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { privateKey, signer, spki, keyId: keyIdentifier(spki), name: p.name };
}

let serial = 0x1000n;

type Fields = Omit<CertificateTemplate, 'serialNumber' | 'issuer' | 'subject' | 'subjectPublicKey' | 'notBefore' | 'notAfter'> &
  Partial<Pick<CertificateTemplate, 'serialNumber' | 'notBefore' | 'notAfter' | 'subject'>>;

const CA_FIELDS: Fields = { basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] };

function issue(issuer: Party, subject: Party, fields: Fields, hasAuthorityKeyId = true): Promise<Buffer> {
  const aki = hasAuthorityKeyId ? { authorityKeyIdentifier: issuer.keyId } : {};
  return buildCertificate(
    {
      serialNumber: serial++,
      subject: subject.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      ...aki,
      ...fields,
      issuer: issuer.name,
      subjectPublicKey: subject.spki,
    },
    issuer.signer,
  );
}

function root(p: Party, fields: Fields = {}): Promise<Buffer> {
  return buildSelfSignedCertificate(
    { serialNumber: serial++, subject: p.name, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, ...CA_FIELDS, ...fields },
    p.signer,
  );
}

function ca(issuer: Party, subject: Party, fields: Fields = {}): Promise<Buffer> {
  return issue(issuer, subject, { ...CA_FIELDS, ...fields });
}

function leafOf(issuer: Party, subject: Party, fields: Fields = {}, hasAuthorityKeyId = true): Promise<Buffer> {
  return issue(
    issuer,
    subject,
    { basicConstraints: { isCa: false }, keyUsage: ['digitalSignature'], extKeyUsage: ['clientAuth', 'serverAuth'], ...fields },
    hasAuthorityKeyId,
  );
}

const dns = (value: string): GeneralName => ({ type: 'dns', value });

/** A certificate assembled field by field (scripts/raw-certificate.ts), with this script's serials and validity. */
function rawCertificate(issuer: Party, subject: Party, extensions: readonly Buffer[]): Buffer {
  return assembleCertificate(issuer, subject, serial++, { notBefore: NOT_BEFORE, notAfter: NOT_AFTER }, extensions);
}

const LEAF_BASICS = (issuer: Party): Buffer[] => [
  encodeExtension(OID.basicConstraints, true, der.sequence()),
  encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
  encodeExtension(OID.authorityKeyIdentifier, false, der.sequence(der.contextPrimitive(0, issuer.keyId))),
];

function sanExtension(...names: Buffer[]): Buffer {
  return encodeExtension(OID.subjectAltName, false, der.sequenceOf(names));
}

/** A CRL for the tests, written with the DER writer (the CA's CRL builder is its own work). */
export interface TestCrl {
  readonly issuer: Party;
  readonly signer?: Party;
  readonly revoked?: readonly { serial: bigint; reason?: number }[];
  readonly thisUpdate?: Date;
  readonly nextUpdate?: Date;
  readonly extensions?: readonly Buffer[];
  /** Leave out the cRLNumber (RFC 5280 5.2.3 requires one; the strict profile refuses such a CRL). */
  readonly isWithoutCrlNumber?: boolean;
}

function makeCrl(crl: TestCrl): Buffer {
  const signer = crl.signer ?? crl.issuer;
  const algorithm = signer.signer.algorithm;
  const entries = (crl.revoked ?? []).map((entry) =>
    der.sequence(
      der.integer(entry.serial),
      der.time(new Date('2029-06-01T00:00:00Z')),
      ...(entry.reason === undefined ? [] : [der.sequence(encodeExtension(OID.crlReason, false, der.enumerated(entry.reason)))]),
    ),
  );
  const extensions = [
    encodeExtension(OID.authorityKeyIdentifier, false, der.sequence(der.contextPrimitive(0, crl.issuer.keyId))),
    ...(crl.isWithoutCrlNumber === true ? [] : [encodeExtension(OID.crlNumber, false, der.integer(1))]),
    ...(crl.extensions ?? []),
  ];
  const tbs = der.sequence(
    der.integer(1),
    algorithm.identifier,
    crl.issuer.name,
    der.time(crl.thisUpdate ?? new Date('2029-12-01T00:00:00Z')),
    der.time(crl.nextUpdate ?? new Date('2030-02-01T00:00:00Z')),
    ...(entries.length > 0 ? [der.sequenceOf(entries)] : []),
    der.explicit(0, der.sequenceOf(extensions)),
  );
  return der.sequence(tbs, algorithm.identifier, der.bitString(sign(algorithm.hash, tbs, signer.privateKey)));
}

/** The serial number of a certificate, for the CRL entries that list it. */
function serialOf(certificate: Buffer): bigint {
  return BigInt('0x' + parseCertificate(certificate).serialNumber);
}

/** Every vector, freshly generated (keys are new on every run; results must not depend on them). */
export async function makePathVectors(): Promise<PathVector[]> {
  const vectors: PathVector[] = [];
  const add = (vector: Omit<PathVector, 'crls' | 'purpose'> & Partial<Pick<PathVector, 'crls' | 'purpose'>>): void => {
    vectors.push({ crls: [], purpose: 'client', ...vector });
  };

  // -- The reference hierarchy: root -> issuing CA -> leaves.
  const rootCa = party('/C=US/O=Symbolon Vectors/CN=Vector Root');
  const issuing = party('/C=US/O=Symbolon Vectors/CN=Vector Issuing CA');
  const rootCert = await root(rootCa);
  const issuingCert = await ca(rootCa, issuing);
  const base = { anchors: [rootCert], intermediates: [issuingCert] };
  // The CN repeats a DNS SAN: the leaf serves as a TLS server too (strict profile).
  const client = party('/O=Symbolon Vectors/CN=client-1.example.com');
  const goodLeaf = await leafOf(issuing, client, {
    subjectAltName: [
      dns('client-1.example.com'),
      { type: 'ip', value: '10.1.2.3' },
      { type: 'email', value: 'ops@example.com' },
      { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/api' },
      dns('*.wild.example.com'),
    ],
  });

  add({ name: 'valid P-256 chain for a TLS client', leaf: goodLeaf, ...base, expected: { ok: true, pathLength: 3 } });
  add({ name: 'valid for a TLS server too', leaf: goodLeaf, ...base, purpose: 'server', expected: { ok: true } });
  add({
    name: 'intermediates in any order with duplicates',
    leaf: goodLeaf,
    anchors: [rootCert],
    intermediates: [rootCert, issuingCert, issuingCert, goodLeaf],
    expected: { ok: true, pathLength: 3 },
  });
  add({
    name: 'peer DNS name matches a SAN',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'dns', value: 'CLIENT-1.example.com' },
    expected: { ok: true },
  });
  add({
    name: 'peer DNS name matches a wildcard on one label',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'dns', value: 'a.wild.example.com' },
    expected: { ok: true },
  });
  add({
    name: 'a wildcard does not cover two labels',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'dns', value: 'a.b.wild.example.com' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
  });
  add({
    name: 'a wildcard does not cover its own domain',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'dns', value: 'wild.example.com' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
  });
  add({ name: 'peer IP address matches', leaf: goodLeaf, ...base, peer: { type: 'ip', value: '10.1.2.3' }, expected: { ok: true } });
  add({
    name: 'peer IP address does not match',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'ip', value: '10.1.2.4' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
  });
  add({ name: 'peer email matches', leaf: goodLeaf, ...base, peer: { type: 'email', value: 'ops@EXAMPLE.com' }, expected: { ok: true } });
  add({
    name: 'peer email local part is case-sensitive',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'email', value: 'OPS@example.com' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
    openssl: 'skip',
  });
  add({
    name: 'peer SPIFFE ID matches',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/api' },
    expected: { ok: true },
    openssl: 'skip',
  });
  add({
    name: 'peer SPIFFE ID with another path does not match',
    leaf: goodLeaf,
    ...base,
    peer: { type: 'uri', value: 'spiffe://example.org/ns/prod/sa/other' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
    openssl: 'skip',
  });
  const cnOnly = await leafOf(issuing, party('/CN=cn-only.example.com'));
  add({
    name: 'the subject CN is never used as a DNS name',
    leaf: cnOnly,
    ...base,
    peer: { type: 'dns', value: 'cn-only.example.com' },
    expected: { ok: false, code: 'PATH_NAME_MISMATCH', certificateIndex: 0 },
    openssl: true,
    disagreement:
      'OpenSSL falls back to the CN when there is no DNS SAN (RFC 6125 6.4.4 allows it); Symbolon never does, as RFC 9525 6.3 now requires',
  });

  // -- Signature algorithms: every link verified, inner and outer identifiers equal.
  for (const kind of ['P-384', 'Ed25519', 'RSA', 'RSA-PSS'] as const) {
    const r = party(`/CN=${kind} Root`, kind);
    const i = party(`/CN=${kind} Issuing`, kind);
    const rCert = await root(r);
    const iCert = await ca(r, i);
    const l = await leafOf(i, party(`/CN=${kind} leaf`, kind), { subjectAltName: [dns('alg.example.com')] });
    add({ name: `valid ${kind} chain`, leaf: l, anchors: [rCert], intermediates: [iCert], expected: { ok: true, pathLength: 3 } });
  }
  const impostor = rekey(issuing);
  const forged = await leafOf(impostor, party('/CN=forged'), { authorityKeyIdentifier: issuing.keyId });
  add({
    name: 'a leaf signed by another key under the same issuer name',
    leaf: forged,
    ...base,
    expected: { ok: false, code: 'PATH_SIGNATURE_INVALID', certificateIndex: 0 },
  });

  // -- Validity at the validation time.
  const expiredLeaf = await leafOf(issuing, party('/CN=expired'), {
    notBefore: new Date('2025-01-01T00:00:00Z'),
    notAfter: new Date('2029-01-01T00:00:00Z'),
  });
  add({
    name: 'an expired leaf',
    leaf: expiredLeaf,
    ...base,
    expected: { ok: false, code: 'PATH_EXPIRED', certificateIndex: 0 },
    certtool: 'skip',
  });
  const futureLeaf = await leafOf(issuing, party('/CN=future'), {
    notBefore: new Date('2031-01-01T00:00:00Z'),
    notAfter: new Date('2040-01-01T00:00:00Z'),
  });
  add({
    name: 'a leaf not valid yet',
    leaf: futureLeaf,
    ...base,
    expected: { ok: false, code: 'PATH_NOT_YET_VALID', certificateIndex: 0 },
  });
  const oldIssuing = party('/CN=Old Issuing');
  const oldIssuingCert = await ca(rootCa, oldIssuing, { notAfter: new Date('2029-06-01T00:00:00Z') });
  const underOld = await leafOf(oldIssuing, party('/CN=under-old'));
  add({
    name: 'an expired intermediate',
    leaf: underOld,
    anchors: [rootCert],
    intermediates: [oldIssuingCert],
    expected: { ok: false, code: 'PATH_EXPIRED', certificateIndex: 1 },
  });
  const renewedIssuingCert = await ca(rootCa, oldIssuing, { notAfter: new Date('2040-01-01T00:00:00Z') });
  add({
    name: 'expired and valid twins of one CA: the valid one is chosen',
    leaf: underOld,
    anchors: [rootCert],
    intermediates: [oldIssuingCert, renewedIssuingCert],
    expected: { ok: true, pathLength: 3 },
  });

  // -- Path building: missing issuer, cross-signing, loops.
  add({
    name: 'the intermediate is missing',
    leaf: goodLeaf,
    anchors: [rootCert],
    intermediates: [],
    expected: { ok: false, code: 'PATH_NO_ISSUER', certificateIndex: 0 },
  });
  add({
    name: 'an untrusted self-signed root in the pool does not help',
    leaf: goodLeaf,
    anchors: [await root(party('/CN=Other Root'))],
    intermediates: [issuingCert, rootCert],
    expected: { ok: false, code: 'PATH_NO_ISSUER', certificateIndex: 2 },
  });
  const newRoot = party('/CN=New Root');
  const newRootCert = await root(newRoot);
  const crossOldByNew = await ca(newRoot, rootCa);
  add({
    name: 'a cross-signed root leads to the other anchor',
    leaf: goodLeaf,
    anchors: [newRootCert],
    intermediates: [issuingCert, crossOldByNew],
    expected: { ok: true, pathLength: 4 },
  });
  const crossNewByOld = await ca(rootCa, newRoot);
  const otherRootCert = await root(party('/CN=Unrelated Root'));
  add({
    name: 'a loop of two cross-signed CAs ends',
    leaf: goodLeaf,
    anchors: [otherRootCert],
    intermediates: [issuingCert, crossOldByNew, crossNewByOld],
    expected: { ok: false, code: 'PATH_NO_ISSUER' },
  });
  add({
    name: 'a loop with the real anchor behind it validates',
    leaf: goodLeaf,
    anchors: [newRootCert],
    intermediates: [crossNewByOld, issuingCert, crossOldByNew],
    expected: { ok: true },
  });

  // -- basicConstraints and pathLenConstraint.
  const notCa = party('/CN=Not A CA');
  const notCaCert = await issue(rootCa, notCa, { basicConstraints: { isCa: false }, keyUsage: ['digitalSignature'] });
  add({
    name: 'an issuer without cA',
    leaf: await leafOf(notCa, party('/CN=under-not-ca')),
    anchors: [rootCert],
    intermediates: [notCaCert],
    expected: { ok: false, code: 'PATH_NOT_CA', certificateIndex: 1 },
  });
  const noBc = party('/CN=No Basic Constraints');
  const noBcCert = await issue(rootCa, noBc, { keyUsage: ['digitalSignature'] });
  add({
    name: 'an issuer without basicConstraints',
    leaf: await leafOf(noBc, party('/CN=under-no-bc')),
    anchors: [rootCert],
    intermediates: [noBcCert],
    expected: { ok: false, code: 'PATH_NOT_CA', certificateIndex: 1 },
  });
  const tightRoot = party('/CN=PathLen0 Root');
  const tightRootCert = await root(tightRoot, { basicConstraints: { isCa: true, pathLenConstraint: 0 } });
  const tightIssuing = party('/CN=Below PathLen0');
  const tightIssuingCert = await ca(tightRoot, tightIssuing);
  add({
    name: 'an anchor with pathLen 0 issues a leaf directly',
    leaf: await leafOf(tightRoot, party('/CN=direct')),
    anchors: [tightRootCert],
    intermediates: [],
    expected: { ok: true, pathLength: 2 },
  });
  add({
    name: 'an anchor with pathLen 0 above an intermediate',
    leaf: await leafOf(tightIssuing, party('/CN=too-deep')),
    anchors: [tightRootCert],
    intermediates: [tightIssuingCert],
    expected: { ok: false, code: 'PATH_LENGTH_EXCEEDED', certificateIndex: 1 },
  });
  const level1 = party('/CN=Level 1 pathLen 0');
  const level1Cert = await ca(rootCa, level1, { basicConstraints: { isCa: true, pathLenConstraint: 0 } });
  const level2 = party('/CN=Level 2');
  const level2Cert = await ca(level1, level2);
  add({
    name: 'an intermediate with pathLen 0 above another',
    leaf: await leafOf(level2, party('/CN=l2-leaf')),
    anchors: [rootCert],
    intermediates: [level2Cert, level1Cert],
    expected: { ok: false, code: 'PATH_LENGTH_EXCEEDED', certificateIndex: 1 },
  });
  const rolled = rekey(level1);
  const rolloverCert = await ca(level1, rolled, { basicConstraints: { isCa: true, pathLenConstraint: 0 } });
  add({
    name: 'a self-issued rollover certificate is not counted by pathLen (RFC 5280 6.1.4 (l))',
    leaf: await leafOf(rolled, party('/CN=after-rollover'), { authorityKeyIdentifier: rolled.keyId }),
    anchors: [rootCert],
    intermediates: [rolloverCert, level1Cert],
    expected: { ok: true, pathLength: 4 },
    certtool: false,
    disagreement:
      'GnuTLS counts the self-issued rollover certificate against pathLenConstraint; RFC 5280 6.1.4 (l) decrements max_path_length only for certificates that are not self-issued, as OpenSSL does',
  });

  const leafPathLen = rawCertificate(issuing, party('/CN=leaf-pathlen'), [
    encodeExtension(OID.basicConstraints, true, der.sequence(der.integer(0))),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
    encodeExtension(OID.extKeyUsage, false, der.sequence(der.oid(OID.clientAuth))),
    encodeExtension(OID.authorityKeyIdentifier, false, der.sequence(der.contextPrimitive(0, issuing.keyId))),
  ]);
  add({
    name: 'a pathLenConstraint in a leaf (cA not asserted) is not a reason to refuse',
    leaf: leafPathLen,
    ...base,
    expected: { ok: true },
    openssl: false,
    disagreement:
      "OpenSSL -x509_strict refuses a pathLenConstraint without cA; RFC 5280 4.2.1.9 binds the CA that wrote it, and path validation (6.1.4 (m)) reads pathLenConstraint only in CA certificates, so the leaf's is without effect and Symbolon accepts",
  });

  // -- keyUsage.
  const noCertSign = party('/CN=No keyCertSign');
  const noCertSignCert = await issue(rootCa, noCertSign, { basicConstraints: { isCa: true }, keyUsage: ['cRLSign'] });
  add({
    name: 'a CA whose key usage lacks keyCertSign',
    leaf: await leafOf(noCertSign, party('/CN=under-no-certsign')),
    anchors: [rootCert],
    intermediates: [noCertSignCert],
    expected: { ok: false, code: 'PATH_KEY_USAGE_INVALID', certificateIndex: 1 },
  });
  const encipherOnly = await leafOf(issuing, party('/CN=key-encipherment'), {
    keyUsage: ['keyEncipherment'],
    subjectAltName: [dns('ke.example.com')],
  });
  add({
    name: 'a TLS server leaf without digitalSignature',
    leaf: encipherOnly,
    ...base,
    purpose: 'server',
    expected: { ok: false, code: 'PATH_KEY_USAGE_INVALID', certificateIndex: 0 },
    openssl: true,
    disagreement:
      'OpenSSL accepts keyEncipherment alone for sslserver (RSA key transport); an ECDSA key never enciphers, and TLS 1.3 and ECDHE sign with the leaf key, so RFC 5280 4.2.1.3 digitalSignature is required',
  });
  add({ name: 'key usage is not checked for purpose any', leaf: encipherOnly, ...base, purpose: 'any', expected: { ok: true } });

  // -- Extended key usage, on the leaf and chained through CAs.
  const serverOnly = await leafOf(issuing, party('/CN=server.example.com'), {
    extKeyUsage: ['serverAuth'],
    subjectAltName: [dns('server.example.com')],
  });
  add({
    name: 'a server-only leaf used as a TLS client',
    leaf: serverOnly,
    ...base,
    purpose: 'client',
    expected: { ok: false, code: 'PATH_EXTENDED_KEY_USAGE_INVALID', certificateIndex: 0 },
  });
  add({ name: 'a server-only leaf used as a TLS server', leaf: serverOnly, ...base, purpose: 'server', expected: { ok: true } });
  const anyEku = await leafOf(issuing, party('/CN=any-eku'), { extKeyUsage: ['anyExtendedKeyUsage'] });
  add({
    name: 'anyExtendedKeyUsage alone does not make a TLS client',
    leaf: anyEku,
    ...base,
    purpose: 'client',
    expected: { ok: false, code: 'PATH_EXTENDED_KEY_USAGE_INVALID', certificateIndex: 0 },
  });
  const clientCa = party('/CN=Client-only CA');
  const clientCaCert = await ca(rootCa, clientCa, { extKeyUsage: ['clientAuth'] });
  add({
    name: 'a client-only CA issuing a TLS server certificate (EKU chaining)',
    leaf: await leafOf(clientCa, party('/CN=srv-under-client-ca'), {
      extKeyUsage: ['serverAuth'],
      subjectAltName: [dns('srv.example.com')],
    }),
    anchors: [rootCert],
    intermediates: [clientCaCert],
    purpose: 'server',
    expected: { ok: false, code: 'PATH_EXTENDED_KEY_USAGE_INVALID', certificateIndex: 1 },
  });
  add({
    name: 'a client-only CA issuing a TLS client certificate',
    leaf: await leafOf(clientCa, party('/CN=cli-under-client-ca'), { extKeyUsage: ['clientAuth'] }),
    anchors: [rootCert],
    intermediates: [clientCaCert],
    purpose: 'client',
    expected: { ok: true },
  });

  // -- Name constraints: DNS, IP v4/v6, email, URI (SPIFFE), directoryName.
  const constraints: NameConstraints = {
    permitted: [
      dns('partner.example'),
      { type: 'ip', value: '10.0.0.0/8' },
      { type: 'ip', value: 'fd00::/8' },
      { type: 'email', value: 'partner.example' },
      { type: 'email', value: '.partner.example' },
      { type: 'uri', value: 'partner.example' },
      { type: 'uri', value: '.partner.example' },
      { type: 'dirName', value: parseName('/C=US/O=Partner') },
    ],
    excluded: [
      dns('forbidden.partner.example'),
      { type: 'ip', value: '10.66.0.0/16' },
      { type: 'email', value: 'mallory@partner.example' },
      { type: 'uri', value: '.evil.partner.example' },
    ],
  };
  const partner = party('/C=US/O=Partner/CN=Partner CA');
  const partnerCert = await ca(rootCa, partner, { nameConstraints: constraints });
  const nc = { anchors: [rootCert], intermediates: [partnerCert] };
  const partnerLeaf = (subject: string, names: GeneralName[]): Promise<Buffer> =>
    leafOf(partner, party(subject), { subjectAltName: names });
  const ok = async (label: string, subject: string, names: GeneralName[]): Promise<void> =>
    add({ name: `name constraints: ${label}`, leaf: await partnerLeaf(subject, names), ...nc, expected: { ok: true } });
  const violated = async (label: string, subject: string, names: GeneralName[], extra: Partial<PathVector> = {}): Promise<void> =>
    add({
      name: `name constraints: ${label}`,
      leaf: await partnerLeaf(subject, names),
      ...nc,
      expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
      ...extra,
    });
  await ok('DNS, IP, email and directory names inside every subtree', '/C=US/O=Partner/CN=svc', [
    dns('api.partner.example'),
    dns('partner.example'),
    { type: 'ip', value: '10.9.8.7' },
    { type: 'ip', value: 'fd12::1' },
    { type: 'email', value: 'a@partner.example' },
    { type: 'email', value: 'b@mail.partner.example' },
  ]);
  add({
    name: 'name constraints: URI and SPIFFE names inside the URI subtrees',
    leaf: await partnerLeaf('/C=US/O=Partner/CN=svc', [
      dns('api.partner.example'),
      { type: 'uri', value: 'https://partner.example/x' },
      { type: 'uri', value: 'spiffe://td.partner.example/ns/a' },
    ]),
    ...nc,
    expected: { ok: true },
    certtool: false,
    disagreement:
      'GnuTLS does not implement URI name constraints and refuses every URI name below one (the safe direction); RFC 5280 4.2.1.10 defines them on the host part, which Symbolon and OpenSSL apply',
  });
  add({
    name: 'name constraints: every name form at once (SPIFFE included)',
    leaf: await partnerLeaf('/C=US/O=Partner/CN=svc', [
      dns('api.partner.example'),
      dns('partner.example'),
      { type: 'ip', value: '10.9.8.7' },
      { type: 'ip', value: 'fd12::1' },
      { type: 'email', value: 'a@partner.example' },
      { type: 'email', value: 'b@mail.partner.example' },
      { type: 'uri', value: 'https://partner.example/x' },
      { type: 'uri', value: 'spiffe://td.partner.example/ns/a' },
    ]),
    ...nc,
    expected: { ok: true },
    certtool: false,
    disagreement: 'GnuTLS refuses URI names below URI name constraints, which it does not implement (see the URI vector above)',
  });
  await violated('a DNS name outside the permitted subtree', '/C=US/O=Partner/CN=svc', [dns('api.evil.example')]);
  await violated('a DNS name that only ends with the same letters', '/C=US/O=Partner/CN=svc', [dns('notpartner.example')]);
  await violated('a DNS name in the excluded subtree', '/C=US/O=Partner/CN=svc', [dns('x.forbidden.partner.example')]);
  await violated('an IPv4 address outside the permitted block', '/C=US/O=Partner/CN=svc', [{ type: 'ip', value: '192.168.1.1' }]);
  await violated('an IPv4 address in the excluded block', '/C=US/O=Partner/CN=svc', [{ type: 'ip', value: '10.66.1.1' }]);
  await violated('an IPv6 address outside the permitted block', '/C=US/O=Partner/CN=svc', [{ type: 'ip', value: '2001:db8::1' }]);
  await violated('an email on another domain', '/C=US/O=Partner/CN=svc', [{ type: 'email', value: 'a@evil.example' }]);
  await violated('an excluded mailbox', '/C=US/O=Partner/CN=svc', [{ type: 'email', value: 'mallory@partner.example' }]);
  await violated('an emailAddress in the subject outside the subtree', '/C=US/O=Partner/CN=svc/emailAddress=x@evil.example', [
    dns('ok.partner.example'),
  ]);
  await violated('a URI host outside the permitted subtree', '/C=US/O=Partner/CN=svc', [
    { type: 'uri', value: 'https://evil.example/partner.example' },
  ]);
  await violated('a SPIFFE ID in another trust domain', '/C=US/O=Partner/CN=svc', [{ type: 'uri', value: 'spiffe://evil.example/ns/a' }]);
  await violated('a URI host in the excluded subtree', '/C=US/O=Partner/CN=svc', [
    { type: 'uri', value: 'https://a.evil.partner.example/' },
  ]);
  await violated('a subject outside the permitted directory subtree', '/C=US/O=Evil/CN=svc', [dns('ok.partner.example')]);
  add({
    name: 'name constraints: a CN that is a host name outside the DNS subtree, with no SAN',
    leaf: await leafOf(partner, party('/C=US/O=Partner/CN=www.evil.example')),
    ...nc,
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
  });
  add({
    name: 'name constraints: a CN in an excluded DNS subtree is not a name when there is a SAN',
    leaf: await partnerLeaf('/C=US/O=Partner/CN=x.forbidden.partner.example', [{ type: 'ip', value: '10.1.1.1' }]),
    ...nc,
    expected: { ok: true },
    openssl: false,
    certtool: false,
    disagreement:
      "OpenSSL holds the CN to DNS constraints whenever there is no DNS SAN, and GnuTLS certtool holds it to them always; with any subjectAltName the CN is not the certificate's name (RFC 9525 6.3, CA/Browser Forum BR 7.1.4.3) and RFC 5280 4.2.1.10 constrains the names a certificate has, so Symbolon accepts",
  });
  await violated('a wildcard that covers an excluded name', '/C=US/O=Partner/CN=svc', [dns('*.partner.example')], {
    openssl: true,
    disagreement:
      'OpenSSL compares "*.partner.example" with the excluded "forbidden.partner.example" as plain text and lets it pass; the wildcard stands for forbidden.partner.example too (RFC 6125 6.4.3), so a name inside the excluded subtree (RFC 5280 4.2.1.10) would be accepted: Symbolon refuses',
  });
  const subCa = party('/C=US/O=Evil/CN=Sub CA');
  const subCaCert = await ca(partner, subCa);
  add({
    name: 'name constraints bind intermediate CAs below too',
    leaf: await leafOf(subCa, party('/C=US/O=Partner/CN=deep'), { subjectAltName: [dns('deep.partner.example')] }),
    anchors: [rootCert],
    intermediates: [partnerCert, subCaCert],
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 1 },
  });
  const trailingDot = rawCertificate(partner, party('/C=US/O=Partner/CN=dot'), [
    ...LEAF_BASICS(partner),
    sanExtension(der.contextPrimitive(2, Buffer.from('x.forbidden.partner.example.'))),
  ]);
  add({
    name: 'name constraints: an absolute DNS name with a final dot is still excluded',
    leaf: trailingDot,
    ...nc,
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
  });
  const nulName = rawCertificate(partner, party('/C=US/O=Partner/CN=nul'), [
    ...LEAF_BASICS(partner),
    sanExtension(der.contextPrimitive(2, Buffer.from('evil.example\u0000.partner.example', 'latin1'))),
  ]);
  add({
    name: 'name constraints: a DNS name with a NUL byte cannot be checked and is refused',
    leaf: nulName,
    ...nc,
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
    openssl: true,
    disagreement:
      'OpenSSL 3.0 compares the bytes after the NUL as a suffix and accepts; RFC 5280 4.2.1.6 requires the preferred name syntax (RFC 1034 3.5) in dNSName, so the name is not a DNS name that can be placed in or out of a subtree, and Symbolon refuses it',
  });
  const uriNoHost = rawCertificate(partner, party('/C=US/O=Partner/CN=urn'), [
    ...LEAF_BASICS(partner),
    sanExtension(der.contextPrimitive(6, Buffer.from('urn:uuid:6e8bc430-9c3a-11d9-9669-0800200c9a66'))),
  ]);
  add({
    name: 'name constraints: a URI without a host under URI constraints is refused',
    leaf: uriNoHost,
    ...nc,
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
  });

  // -- Extensions: unknown critical, malformed, repeated.
  add({
    name: 'an unknown critical extension in the leaf',
    leaf: await leafOf(issuing, party('/CN=crit'), {
      extensions: [{ oid: '1.3.6.1.4.1.99999.7', critical: true, value: der.nullValue() }],
    }),
    ...base,
    expected: { ok: false, code: 'PATH_UNKNOWN_CRITICAL_EXTENSION', certificateIndex: 0 },
  });
  add({
    name: 'an unknown non-critical extension is passed over',
    leaf: await leafOf(issuing, party('/CN=noncrit'), {
      extensions: [{ oid: '1.3.6.1.4.1.99999.7', critical: false, value: der.nullValue() }],
    }),
    ...base,
    expected: { ok: true },
  });
  const duplicate = rawCertificate(issuing, party('/CN=dup'), [
    ...LEAF_BASICS(issuing),
    sanExtension(der.contextPrimitive(2, Buffer.from('a.example.com'))),
    sanExtension(der.contextPrimitive(2, Buffer.from('b.example.com'))),
  ]);
  add({
    name: 'a repeated extension',
    leaf: duplicate,
    ...base,
    expected: { ok: false, code: 'PATH_EXTENSION_INVALID', certificateIndex: 0 },
  });
  const badBasic = rawCertificate(issuing, party('/CN=bad-bc'), [
    encodeExtension(OID.basicConstraints, true, der.sequence(der.boolean(true), der.boolean(true))),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
  ]);
  add({
    name: 'a malformed basicConstraints value',
    leaf: badBasic,
    ...base,
    expected: { ok: false, code: 'PATH_EXTENSION_INVALID', certificateIndex: 0 },
  });
  add({
    name: 'a truncated leaf',
    leaf: goodLeaf.subarray(0, goodLeaf.length - 10),
    ...base,
    expected: { ok: false, code: 'PATH_CERT_MALFORMED', certificateIndex: 0 },
    openssl: 'skip',
  });
  add({
    name: 'an unreadable intermediate is reported instead of a missing issuer',
    leaf: goodLeaf,
    anchors: [rootCert],
    intermediates: [issuingCert.subarray(0, 100)],
    expected: { ok: false, code: 'PATH_CERT_MALFORMED', certificateIndex: 1 },
    openssl: 'skip',
  });

  // -- Certificate policies.
  const policy = '1.3.6.1.4.1.99999.1.1';
  // OpenSSL checks policies only when asked, and its user-initial-policy-set is empty unless
  // given: RFC 5280 6.1.1 (c) makes it {anyPolicy}, so that is what it is given.
  const POLICY_CHECK = ['-policy_check', '-policy', OID.anyPolicy];
  const explicitCa = party('/CN=Explicit Policy CA');
  const explicitCaCert = await ca(rootCa, explicitCa, {
    certificatePolicies: [{ policyId: policy }],
    extensions: [{ oid: OID.policyConstraints, critical: true, value: der.sequence(der.contextPrimitive(0, Buffer.from([0]))) }],
  });
  add({
    name: 'requireExplicitPolicy with a leaf that asserts the policy',
    leaf: await leafOf(explicitCa, party('/CN=with-policy'), { certificatePolicies: [{ policyId: policy }] }),
    anchors: [rootCert],
    intermediates: [explicitCaCert],
    expected: { ok: true },
    opensslArgs: POLICY_CHECK,
    certtool: false,
    disagreement:
      'GnuTLS does not process policyConstraints and refuses it as an unknown critical extension (RFC 5280 4.2.1.11 makes it critical); RFC 5280 6.1 processing accepts this chain, as OpenSSL -policy_check does',
  });
  add({
    name: 'requireExplicitPolicy with a leaf without policies',
    leaf: await leafOf(explicitCa, party('/CN=without-policy')),
    anchors: [rootCert],
    intermediates: [explicitCaCert],
    expected: { ok: false, code: 'PATH_POLICY_INVALID', certificateIndex: 0 },
    opensslArgs: POLICY_CHECK,
  });
  add({
    name: 'requireExplicitPolicy with a leaf asserting another policy',
    leaf: await leafOf(explicitCa, party('/CN=other-policy'), { certificatePolicies: [{ policyId: '1.3.6.1.4.1.99999.1.2' }] }),
    anchors: [rootCert],
    intermediates: [explicitCaCert],
    expected: { ok: false, code: 'PATH_POLICY_INVALID', certificateIndex: 0 },
    opensslArgs: POLICY_CHECK,
  });
  // Policy mapping (RFC 5280 6.1.4 (a)-(b)): the CA maps its policy to the one its subjects assert.
  const mapped = '1.3.6.1.4.1.99999.1.2';
  const mappingsOf = (...pairs: [string, string][]): Buffer =>
    der.sequenceOf(pairs.map(([from, to]) => der.sequence(der.oid(from), der.oid(to))));
  const requireExplicit = (inhibitMapping?: number): Buffer =>
    der.sequence(
      der.contextPrimitive(0, Buffer.from([0])),
      ...(inhibitMapping === undefined ? [] : [der.contextPrimitive(1, Buffer.from([inhibitMapping]))]),
    );
  const mappingCa = party('/CN=Mapping CA');
  const mappingCaCert = await ca(rootCa, mappingCa, {
    certificatePolicies: [{ policyId: policy }],
    extensions: [
      { oid: OID.policyMappings, critical: true, value: mappingsOf([policy, mapped]) },
      { oid: OID.policyConstraints, critical: true, value: requireExplicit() },
    ],
  });
  add({
    name: 'policy mapping: a leaf asserting the mapped policy',
    leaf: await leafOf(mappingCa, party('/CN=mapped'), { certificatePolicies: [{ policyId: mapped }] }),
    anchors: [rootCert],
    intermediates: [mappingCaCert],
    expected: { ok: true },
    opensslArgs: POLICY_CHECK,
    certtool: 'skip',
  });
  add({
    name: 'policy mapping: a leaf asserting the policy before mapping',
    leaf: await leafOf(mappingCa, party('/CN=unmapped'), { certificatePolicies: [{ policyId: policy }] }),
    anchors: [rootCert],
    intermediates: [mappingCaCert],
    expected: { ok: false, code: 'PATH_POLICY_INVALID', certificateIndex: 0 },
    opensslArgs: POLICY_CHECK,
  });
  const inhibitingCa = party('/CN=Inhibit Mapping CA');
  const inhibitingCaCert = await ca(rootCa, inhibitingCa, {
    certificatePolicies: [{ policyId: policy }],
    extensions: [{ oid: OID.policyConstraints, critical: true, value: requireExplicit(0) }],
  });
  const mappingSubCa = party('/CN=Mapping Sub CA');
  const mappingSubCaCert = await ca(inhibitingCa, mappingSubCa, {
    certificatePolicies: [{ policyId: policy }],
    extensions: [{ oid: OID.policyMappings, critical: true, value: mappingsOf([policy, mapped]) }],
  });
  add({
    name: 'policy mapping: inhibitPolicyMapping 0 deletes the mapped policy',
    leaf: await leafOf(mappingSubCa, party('/CN=inhibited'), { certificatePolicies: [{ policyId: mapped }] }),
    anchors: [rootCert],
    intermediates: [inhibitingCaCert, mappingSubCaCert],
    expected: { ok: false, code: 'PATH_POLICY_INVALID' },
    opensslArgs: POLICY_CHECK,
  });
  const anyMappingCa = party('/CN=AnyPolicy Mapping CA');
  const anyMappingCaCert = await ca(rootCa, anyMappingCa, {
    certificatePolicies: [{ policyId: OID.anyPolicy }],
    extensions: [{ oid: OID.policyMappings, critical: true, value: mappingsOf([OID.anyPolicy, mapped]) }],
  });
  add({
    name: 'policy mapping: a mapping from anyPolicy',
    leaf: await leafOf(anyMappingCa, party('/CN=any-mapped'), { certificatePolicies: [{ policyId: mapped }] }),
    anchors: [rootCert],
    intermediates: [anyMappingCaCert],
    expected: { ok: false, code: 'PATH_POLICY_INVALID', certificateIndex: 1 },
    opensslArgs: POLICY_CHECK,
  });

  // -- Revocation with CRLs.
  const revokedLeaf = await leafOf(issuing, party('/CN=revoked'));
  const issuingCrl = makeCrl({ issuer: issuing, revoked: [{ serial: serialOf(revokedLeaf), reason: 1 }, { serial: 0xdeadn }] });
  const rootCrl = makeCrl({ issuer: rootCa });
  add({
    name: 'a leaf listed in its issuer CRL',
    leaf: revokedLeaf,
    ...base,
    crls: [issuingCrl, rootCrl],
    expected: { ok: false, code: 'PATH_REVOKED', certificateIndex: 0 },
  });
  add({
    name: 'a leaf not listed in current CRLs',
    leaf: goodLeaf,
    ...base,
    crls: [issuingCrl, rootCrl],
    crlRequirement: 'chain',
    expected: { ok: true },
  });
  const revokingRootCrl = makeCrl({ issuer: rootCa, revoked: [{ serial: serialOf(issuingCert), reason: 2 }] });
  add({
    name: 'a revoked intermediate',
    leaf: goodLeaf,
    ...base,
    crls: [issuingCrl, revokingRootCrl],
    crlRequirement: 'chain',
    expected: { ok: false, code: 'PATH_REVOKED', certificateIndex: 1 },
  });
  add({
    name: 'a CRL signed by another key',
    leaf: goodLeaf,
    ...base,
    crls: [makeCrl({ issuer: issuing, signer: impostor })],
    expected: { ok: false, code: 'PATH_CRL_INVALID', certificateIndex: 0 },
    openssl: 'skip',
  });
  add({
    name: 'a CRL past its nextUpdate',
    leaf: goodLeaf,
    ...base,
    crls: [makeCrl({ issuer: issuing, thisUpdate: new Date('2029-01-01T00:00:00Z'), nextUpdate: new Date('2029-02-01T00:00:00Z') })],
    expected: { ok: false, code: 'PATH_CRL_NOT_CURRENT', certificateIndex: 0 },
  });
  add({
    name: 'a CRL issued after the validation time',
    leaf: goodLeaf,
    ...base,
    crls: [makeCrl({ issuer: issuing, thisUpdate: new Date('2030-06-01T00:00:00Z'), nextUpdate: new Date('2030-07-01T00:00:00Z') })],
    expected: { ok: false, code: 'PATH_CRL_NOT_CURRENT', certificateIndex: 0 },
  });
  add({
    name: 'the whole chain must be covered and the root CRL is missing',
    leaf: goodLeaf,
    ...base,
    crls: [issuingCrl],
    crlRequirement: 'chain',
    expected: { ok: false, code: 'PATH_REVOCATION_UNKNOWN', certificateIndex: 1 },
  });
  add({
    name: 'only the leaf must be covered',
    leaf: goodLeaf,
    ...base,
    crls: [issuingCrl],
    crlRequirement: 'leaf',
    expected: { ok: true },
  });
  const caOnlyCrl = makeCrl({
    issuer: issuing,
    revoked: [{ serial: serialOf(revokedLeaf) }],
    extensions: [encodeExtension(OID.issuingDistributionPoint, true, der.sequence(der.contextPrimitive(2, Buffer.from([0xff]))))],
  });
  add({
    name: 'a CRL of CA certificates only does not cover a leaf',
    leaf: revokedLeaf,
    ...base,
    crls: [caOnlyCrl],
    crlRequirement: 'leaf',
    expected: { ok: false, code: 'PATH_REVOCATION_UNKNOWN', certificateIndex: 0 },
    openssl: false,
  });
  const numberlessCrl = makeCrl({ issuer: issuing, isWithoutCrlNumber: true });
  add({
    name: 'a CRL without cRLNumber under the strict profile',
    leaf: goodLeaf,
    ...base,
    crls: [numberlessCrl],
    expected: { ok: false, code: 'PATH_CRL_NUMBER_MISSING', certificateIndex: 0 },
    openssl: 'skip',
  });
  add({
    name: 'a CRL without cRLNumber under profile rfc5280',
    leaf: goodLeaf,
    ...base,
    crls: [numberlessCrl],
    profile: 'rfc5280',
    expected: { ok: true },
  });
  const criticalCrl = makeCrl({ issuer: issuing, extensions: [encodeExtension('1.3.6.1.4.1.99999.9', true, der.nullValue())] });
  add({
    name: 'a CRL with an unknown critical extension',
    leaf: goodLeaf,
    ...base,
    crls: [criticalCrl],
    expected: { ok: false, code: 'PATH_CRL_INVALID', certificateIndex: 0 },
    openssl: 'skip',
  });

  // -- Hostile pools and bounds.
  const crowd = party('/CN=Crowded CA');
  const crowdCerts: Buffer[] = [];
  const crowdParties: Party[] = [];
  for (let i = 0; i < 100; i++) {
    const p = i === 0 ? crowd : rekey(crowd);
    crowdParties.push(p);
    crowdCerts.push(await ca(rootCa, p, { subjectKeyIdentifier: false }));
  }
  const realCrowd = crowdParties[99]!;
  const crowdLeaf = await leafOf(realCrowd, party('/CN=in-the-crowd'), {}, false);
  add({
    name: '100 intermediates with the same name and different keys, no key identifiers',
    leaf: crowdLeaf,
    anchors: [rootCert],
    intermediates: crowdCerts,
    expected: { ok: true, pathLength: 3 },
    // Certificates without key identifiers break RFC 5280 4.2.1.1-2 (refused by the strict
    // profile); the vector is about path building among same-named CAs, as legacy CAs make them.
    profile: 'rfc5280',
    isHostile: true,
    openssl: false,
    disagreement:
      'OpenSSL takes the first intermediate whose name matches and reports its failed signature without trying the other 99; a valid path exists (RFC 5280 6.1 defines the validity of a path, and RFC 4158 path building tries every candidate), so Symbolon accepts',
  });
  add({
    name: '100 same-name intermediates against a budget of 50 signatures',
    leaf: crowdLeaf,
    anchors: [rootCert],
    intermediates: crowdCerts,
    limits: { maxSignatureChecks: 50 },
    profile: 'rfc5280',
    expected: { ok: false, code: 'PATH_LIMIT_EXCEEDED' },
    isHostile: true,
  });
  const keyedCrowd: Buffer[] = [];
  for (const p of crowdParties) keyedCrowd.push(await ca(rootCa, p));
  add({
    name: '100 same-name intermediates with key identifiers: the right one is found first',
    leaf: await leafOf(realCrowd, party('/CN=keyed-crowd')),
    anchors: [rootCert],
    intermediates: keyedCrowd,
    expected: { ok: true, pathLength: 3 },
    isHostile: true,
  });
  // A tower of self-issued CAs, each signed by the next key: only depth can stop it.
  const tower: Buffer[] = [];
  let below = rekey(crowd);
  const towerLeaf = await leafOf(below, party('/CN=tower-leaf'));
  for (let i = 0; i < 30; i++) {
    const above = rekey(crowd);
    tower.push(await ca(above, below));
    below = above;
  }
  add({
    name: 'a tower of 30 self-issued CAs hits the depth bound',
    leaf: towerLeaf,
    anchors: [rootCert],
    intermediates: tower.reverse(),
    expected: { ok: false, code: 'PATH_LIMIT_EXCEEDED' },
    isHostile: true,
    openssl: false,
  });
  const ringA = party('/CN=Ring A');
  const ringB = party('/CN=Ring B');
  const ringC = party('/CN=Ring C');
  const ring = [await ca(ringA, ringB), await ca(ringB, ringC), await ca(ringC, ringA), await ca(ringB, ringA), await ca(ringA, ringC)];
  add({
    name: 'a ring of cross-signed CAs with no way out',
    leaf: await leafOf(ringA, party('/CN=ring-leaf')),
    anchors: [rootCert],
    intermediates: ring,
    expected: { ok: false, code: 'PATH_NO_ISSUER' },
    isHostile: true,
  });

  // Certificate policies: the policy graph grows with the policies asserted, and its work is bounded.
  const manyPolicies = Array.from({ length: 2000 }, (_, i) => ({ policyId: `1.3.6.1.4.1.99999.3.${i}` }));
  const policyCa = party('/CN=Many Policies CA');
  const policyCaCert = await ca(rootCa, policyCa, { certificatePolicies: manyPolicies });
  const manyPolicyLeaf = await leafOf(policyCa, party('/CN=many-policies'), { certificatePolicies: manyPolicies });
  add({
    name: 'a CA and a leaf asserting 2,000 policies each',
    leaf: manyPolicyLeaf,
    anchors: [rootCert],
    intermediates: [policyCaCert],
    expected: { ok: true },
    isHostile: true,
  });
  add({
    name: '2,000 policies against a policy work budget of 1,000',
    leaf: manyPolicyLeaf,
    anchors: [rootCert],
    intermediates: [policyCaCert],
    limits: { maxPolicyWork: 1000 },
    expected: { ok: false, code: 'PATH_LIMIT_EXCEEDED' },
    isHostile: true,
    openssl: true,
    disagreement:
      "OpenSSL is not asked to check policies here and has no such budget; the bound is Symbolon's own (RFC 9618 bounds the policy graph, a limit bounds the work)",
  });

  // RFC 9618's case: CAs that each map 40 policies onto all 40. RFC 5280's tree would grow 40-fold
  // per CA (40^6 nodes); the policy graph keeps 40 nodes and 1,600 edges per depth.
  const fanPolicies = Array.from({ length: 40 }, (_, i) => `1.3.6.1.4.1.99999.4.${i}`);
  const fanMappings = der.sequenceOf(fanPolicies.flatMap((from) => fanPolicies.map((to) => der.sequence(der.oid(from), der.oid(to)))));
  const fanChain: Buffer[] = [];
  let fanIssuer = rootCa;
  for (let i = 0; i < 6; i++) {
    const next = party(`/CN=Policy Fan CA ${i}`);
    fanChain.push(
      await ca(fanIssuer, next, {
        certificatePolicies: fanPolicies.map((policyId) => ({ policyId })),
        extensions: [{ oid: OID.policyMappings, critical: true, value: fanMappings }],
      }),
    );
    fanIssuer = next;
  }
  add({
    name: 'six CAs each mapping 40 policies onto all 40 (an exponential RFC 5280 tree)',
    leaf: await leafOf(fanIssuer, party('/CN=policy-fan'), { certificatePolicies: [{ policyId: fanPolicies[0]! }] }),
    anchors: [rootCert],
    intermediates: fanChain,
    expected: { ok: true, pathLength: 8 },
    isHostile: true,
    openssl: 'skip',
    certtool: 'skip',
  });

  const manyConstraints = Array.from({ length: 2500 }, (_, i) => dns(`n${i}.example`));
  const bigCa = party('/CN=Big Constraints CA');
  const bigCaCert = await ca(rootCa, bigCa, { nameConstraints: { permitted: manyConstraints, excluded: [] } });
  const manySans = Array.from({ length: 2500 }, (_, i) => dns(`h.n${i}.example`));
  add({
    name: '2,500 permitted subtrees against 2,500 SANs hits the comparison bound',
    leaf: await leafOf(bigCa, party('/CN=many'), { subjectAltName: manySans }),
    anchors: [rootCert],
    intermediates: [bigCaCert],
    expected: { ok: false, code: 'PATH_LIMIT_EXCEEDED' },
    isHostile: true,
    openssl: false,
  });
  add({
    name: '2,500 permitted subtrees against one SAN in the last',
    leaf: await leafOf(bigCa, party('/CN=one'), { subjectAltName: [dns('x.n2499.example')] }),
    anchors: [rootCert],
    intermediates: [bigCaCert],
    expected: { ok: true },
    isHostile: true,
  });
  add({
    name: '2,500 permitted subtrees against one SAN outside',
    leaf: await leafOf(bigCa, party('/CN=out'), { subjectAltName: [dns('x.n2500.example')] }),
    anchors: [rootCert],
    intermediates: [bigCaCert],
    expected: { ok: false, code: 'PATH_NAME_CONSTRAINT_VIOLATED', certificateIndex: 0 },
    isHostile: true,
  });
  add({
    name: 'a leaf with 2,500 SANs under a few constraints',
    leaf: await leafOf(partner, party('/C=US/O=Partner/CN=wide'), {
      subjectAltName: Array.from({ length: 2500 }, (_, i) => dns(`h${i}.partner.example`)),
    }),
    ...nc,
    expected: { ok: true },
    isHostile: true,
  });
  return vectors;
}

/** Writes every vector's certificates and CRLs as PEM, and a manifest of expectations. */
async function main(outDir: string): Promise<void> {
  const vectors = await makePathVectors();
  mkdirSync(outDir, { recursive: true });
  const manifest = vectors.map((vector, i) => {
    const dir = join(outDir, String(i).padStart(3, '0'));
    mkdirSync(dir, { recursive: true });
    writeFileSync(join(dir, 'leaf.pem'), toPem('CERTIFICATE', vector.leaf));
    writeFileSync(join(dir, 'intermediates.pem'), vector.intermediates.map((c) => toPem('CERTIFICATE', c)).join(''));
    writeFileSync(join(dir, 'roots.pem'), vector.anchors.map((c) => toPem('CERTIFICATE', c)).join(''));
    vector.crls.forEach((crl, j) => writeFileSync(join(dir, `crl-${j}.pem`), toPem('X509 CRL', crl)));
    return {
      dir,
      name: vector.name,
      purpose: vector.purpose,
      peer: vector.peer,
      crlRequirement: vector.crlRequirement,
      expected: vector.expected,
      disagreement: vector.disagreement,
    };
  });
  writeFileSync(join(outDir, 'manifest.json'), JSON.stringify({ at: AT.toISOString(), vectors: manifest }, null, 2));
  process.stdout.write(`${vectors.length} vectors written to ${outDir}\n`);
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  const outDir = process.argv[2];
  if (outDir === undefined) {
    process.stderr.write('usage: node --import tsx scripts/make-path-vectors.ts OUTDIR\n');
    process.exitCode = 2;
  } else {
    await main(outDir);
  }
}
