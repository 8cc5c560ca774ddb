/**
 * Makes the validation-profile vectors: one chain per rule of the strict profile
 * (src/path/profiles/certificate-profile.ts, tls-leaf-profile.ts, key-strength.ts), each built to break
 * exactly that rule and nothing else, with the code the strict profile must give and what the
 * rfc5280 profile must say (valid where RFC 5280 allows the certificate, the same code where it
 * does not). test/path/validation-profile.test.ts runs them all.
 */
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { decodeDer, der } from '../src/asn1/index.js';
import { createSigner } from '../src/keys/index.js';
import type { Signer } from '../src/keys/index.js';
import type { PathErrorCode, PathPurpose } from '../src/path/index.js';
import {
  buildCertificate,
  buildSelfSignedCertificate,
  encodeExtension,
  encodeName,
  keyIdentifier,
  OID,
  parseCertificate,
  parseName,
} from '../src/x509/index.js';
import type { CertificateTemplate, GeneralName } from '../src/x509/index.js';
import { rawCertificate } from './raw-certificate.js';

/** The validation time of every vector. */
export const PROFILE_AT = new Date('2030-01-01T00:00:00Z');
const NOT_BEFORE = new Date('2025-01-01T00:00:00Z');
const NOT_AFTER = new Date('2045-01-01T00:00:00Z');

export interface ProfileVector {
  readonly name: string;
  readonly leaf: Buffer;
  readonly intermediates: readonly Buffer[];
  readonly anchors: readonly Buffer[];
  readonly purpose: PathPurpose;
  /** The strict profile's answer: valid, or this code at this certificate. */
  readonly strict: 'valid' | { readonly code: PathErrorCode; readonly certificateIndex: number };
  /** The rfc5280 profile's answer: valid, or the same refusal as strict. */
  readonly rfc5280: 'valid' | 'refused';
}

interface Party {
  readonly signer: Signer;
  readonly privateKey: KeyObject;
  readonly spki: Buffer;
  readonly keyId: Buffer;
  readonly name: Buffer;
}

function party(subject: string): Party {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createSigner(privateKey);
  const spki = signer.publicKey.export({ type: 'spki', format: 'der' });
  return { signer, privateKey, spki, keyId: keyIdentifier(spki), name: encodeName(parseName(subject)) };
}

/** A subject with a public key of another kind (the weak keys), never used to sign. */
function subjectWithKey(subject: string, publicKey: KeyObject): Pick<Party, 'spki' | 'name'> {
  return { spki: publicKey.export({ type: 'spki', format: 'der' }), name: encodeName(parseName(subject)) };
}

let serial = 0x2000n;

type Fields = Omit<CertificateTemplate, 'serialNumber' | 'issuer' | 'subject' | 'subjectPublicKey' | 'notBefore' | 'notAfter'> &
  Partial<Pick<CertificateTemplate, 'subject'>>;

const CA_FIELDS: Fields = { basicConstraints: { isCa: true }, keyUsage: ['keyCertSign', 'cRLSign'] };
const dns = (value: string): GeneralName => ({ type: 'dns', value });

function issue(issuer: Party, subject: Pick<Party, 'spki' | 'name'>, fields: Fields): Promise<Buffer> {
  return buildCertificate(
    {
      serialNumber: serial++,
      subject: subject.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      authorityKeyIdentifier: issuer.keyId,
      ...fields,
      issuer: issuer.name,
      subjectPublicKey: subject.spki,
    },
    issuer.signer,
  );
}

/** A conforming TLS leaf: the CN repeats its one DNS SAN, both TLS purposes, digitalSignature. */
function leafOf(issuer: Party, subject: Pick<Party, 'spki' | 'name'>, fields: Fields = {}): Promise<Buffer> {
  return issue(issuer, subject, {
    basicConstraints: { isCa: false },
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['serverAuth', 'clientAuth'],
    subjectAltName: [dns('leaf.example.com')],
    ...fields,
  });
}

/** The same certificate with another serial number INTEGER (the builder refuses non-conforming ones). */
function withSerial(certificate: Buffer, issuer: Party, serialNumber: bigint): Buffer {
  const tbsNode = decodeDer(certificate).children[0]!;
  const fields = tbsNode.children.map((child) => child.bytes);
  fields[1] = der.integer(serialNumber);
  const tbs = der.sequenceOf(fields);
  const algorithm = issuer.signer.algorithm;
  return der.sequence(tbs, algorithm.identifier, der.bitString(sign(algorithm.hash, tbs, issuer.privateKey)));
}

/** A leaf signed over raw extensions (scripts/raw-certificate.ts), for what the builder rightly refuses to write. */
function rawLeaf(issuer: Party, subject: Pick<Party, 'spki' | 'name'>, extensions: readonly Buffer[]): Buffer {
  return rawCertificate(issuer, subject, serial++, { notBefore: NOT_BEFORE, notAfter: NOT_AFTER }, extensions);
}

const akiExtension = (issuer: Party): Buffer =>
  encodeExtension(OID.authorityKeyIdentifier, false, der.sequence(der.contextPrimitive(0, issuer.keyId)));
const ekuExtension = (): Buffer => encodeExtension(OID.extKeyUsage, false, der.sequence(der.oid(OID.serverAuth), der.oid(OID.clientAuth)));
const sanExtension = (name: string, critical = false): Buffer =>
  encodeExtension(OID.subjectAltName, critical, der.sequence(der.contextPrimitive(2, Buffer.from(name))));

/** DER of a nameConstraints value with one DNS subtree, permitted ([0]) or excluded ([1]). */
function dnsConstraint(which: 0 | 1, base: string): Buffer {
  return der.sequence(der.explicit(which, der.sequence(der.contextPrimitive(2, Buffer.from(base)))));
}

/** Every profile vector, freshly generated. */
export async function makeProfileVectors(): Promise<ProfileVector[]> {
  const vectors: ProfileVector[] = [];
  const rootParty = party('/C=US/O=Symbolon Profile/CN=Profile Root');
  const issuing = party('/C=US/O=Symbolon Profile/CN=Profile Issuing CA');
  const root = await buildSelfSignedCertificate(
    { serialNumber: serial++, subject: rootParty.name, notBefore: NOT_BEFORE, notAfter: NOT_AFTER, ...CA_FIELDS },
    rootParty.signer,
  );
  const issuingCert = await issue(rootParty, issuing, CA_FIELDS);
  const base = { anchors: [root], intermediates: [issuingCert] };
  const leafParty = (): Party => party('/O=Symbolon Profile/CN=leaf.example.com');
  const refused = (code: PathErrorCode, certificateIndex = 0) => ({ code, certificateIndex });
  const add = (
    vector: Omit<ProfileVector, 'purpose' | 'anchors' | 'intermediates'> &
      Partial<Pick<ProfileVector, 'purpose' | 'anchors' | 'intermediates'>>,
  ): void => {
    vectors.push({ purpose: 'server', ...base, ...vector });
  };

  add({ name: 'a conforming chain for a TLS server', leaf: await leafOf(issuing, leafParty()), strict: 'valid', rfc5280: 'valid' });
  add({
    name: 'a conforming chain for a TLS client',
    leaf: await leafOf(issuing, leafParty()),
    purpose: 'client',
    strict: 'valid',
    rfc5280: 'valid',
  });

  // -- Key identifiers (RFC 5280 4.2.1.1-2).
  const noAki = rawLeaf(issuing, leafParty(), [
    encodeExtension(OID.basicConstraints, true, der.sequence()),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
    ekuExtension(),
    sanExtension('leaf.example.com'),
  ]);
  add({ name: 'a leaf without authorityKeyIdentifier', leaf: noAki, strict: refused('PATH_AUTHORITY_KEY_ID_MISSING'), rfc5280: 'valid' });
  const noSki = party('/C=US/O=Symbolon Profile/CN=No SKI CA');
  add({
    name: 'a CA without subjectKeyIdentifier',
    leaf: await leafOf(noSki, leafParty()),
    intermediates: [await issue(rootParty, noSki, { ...CA_FIELDS, subjectKeyIdentifier: false })],
    strict: refused('PATH_SUBJECT_KEY_ID_MISSING', 1),
    rfc5280: 'valid',
  });
  add({
    name: 'a critical authorityKeyIdentifier',
    leaf: await leafOf(issuing, leafParty(), { critical: { authorityKeyIdentifier: true } }),
    strict: refused('PATH_KEY_ID_CRITICAL'),
    rfc5280: 'valid',
  });
  const criticalSki = party('/C=US/O=Symbolon Profile/CN=Critical SKI CA');
  add({
    name: 'a critical subjectKeyIdentifier',
    leaf: await leafOf(criticalSki, leafParty()),
    intermediates: [await issue(rootParty, criticalSki, { ...CA_FIELDS, critical: { subjectKeyIdentifier: true } })],
    strict: refused('PATH_KEY_ID_CRITICAL', 1),
    rfc5280: 'valid',
  });
  const otherKeyRoot = party('/C=US/O=Symbolon Profile/CN=Other Key Root');
  const otherKeyRootCert = await buildCertificate(
    {
      serialNumber: serial++,
      issuer: otherKeyRoot.name,
      subject: otherKeyRoot.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      subjectPublicKey: otherKeyRoot.spki,
      authorityKeyIdentifier: party('/CN=x').keyId,
      ...CA_FIELDS,
    },
    otherKeyRoot.signer,
  );
  add({
    name: 'a root whose authorityKeyIdentifier names another key',
    leaf: await leafOf(otherKeyRoot, leafParty()),
    anchors: [otherKeyRootCert],
    intermediates: [],
    strict: refused('PATH_ROOT_KEY_ID_MISMATCH', 1),
    rfc5280: 'valid',
  });

  // -- Serial numbers (RFC 5280 4.1.2.2; PKITS 4.4.14 and 4.4.16-17 are valid under RFC 5280).
  const conforming = await leafOf(issuing, leafParty());
  add({
    name: 'a leaf with serial number zero',
    leaf: withSerial(conforming, issuing, 0n),
    strict: refused('PATH_SERIAL_NUMBER_INVALID'),
    rfc5280: 'valid',
  });
  add({
    name: 'a leaf with a negative serial number',
    leaf: withSerial(conforming, issuing, -0x1234n),
    strict: refused('PATH_SERIAL_NUMBER_INVALID'),
    rfc5280: 'valid',
  });
  add({
    name: 'a leaf with a serial number of 21 octets',
    leaf: withSerial(conforming, issuing, 1n << 160n),
    strict: refused('PATH_SERIAL_NUMBER_INVALID'),
    rfc5280: 'valid',
  });

  // -- End entities.
  const keyCertSignLeaf = rawLeaf(issuing, leafParty(), [
    encodeExtension(OID.basicConstraints, true, der.sequence()),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0, 5])),
    ekuExtension(),
    akiExtension(issuing),
    sanExtension('leaf.example.com'),
  ]);
  add({
    name: 'an end entity asserting keyCertSign',
    leaf: keyCertSignLeaf,
    strict: refused('PATH_END_ENTITY_KEY_CERT_SIGN'),
    rfc5280: 'refused',
  });
  add({
    name: 'an end entity that is a CA (cA=TRUE)',
    leaf: await leafOf(issuing, leafParty(), { basicConstraints: { isCa: true } }),
    strict: refused('PATH_END_ENTITY_IS_CA'),
    rfc5280: 'valid',
  });
  const ncLeaf = rawLeaf(issuing, leafParty(), [
    encodeExtension(OID.basicConstraints, true, der.sequence()),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
    ekuExtension(),
    akiExtension(issuing),
    sanExtension('leaf.example.com'),
    encodeExtension(OID.nameConstraints, true, dnsConstraint(0, 'example.com')),
  ]);
  add({
    name: 'an end entity carrying nameConstraints',
    leaf: ncLeaf,
    strict: refused('PATH_END_ENTITY_NAME_CONSTRAINTS'),
    rfc5280: 'refused',
  });

  // -- Criticality (PKITS 4.6.4: a non-critical basicConstraints is valid under RFC 5280).
  const looseBc = party('/C=US/O=Symbolon Profile/CN=Non-critical BC CA');
  add({
    name: 'a CA whose basicConstraints is not critical',
    leaf: await leafOf(looseBc, leafParty()),
    intermediates: [await issue(rootParty, looseBc, { ...CA_FIELDS, critical: { basicConstraints: false } })],
    strict: refused('PATH_BASIC_CONSTRAINTS_NOT_CRITICAL', 1),
    rfc5280: 'valid',
  });
  const looseNc = party('/C=US/O=Symbolon Profile/CN=Non-critical NC CA');
  add({
    name: 'a nameConstraints that is not critical',
    leaf: await leafOf(looseNc, leafParty()),
    intermediates: [
      await issue(rootParty, looseNc, {
        ...CA_FIELDS,
        nameConstraints: { permitted: [dns('example.com')], excluded: [] },
        critical: { nameConstraints: false },
      }),
    ],
    strict: refused('PATH_NAME_CONSTRAINTS_NOT_CRITICAL', 1),
    rfc5280: 'valid',
  });
  const loosePc = party('/C=US/O=Symbolon Profile/CN=Non-critical PC CA');
  const looseConstraints = { oid: OID.policyConstraints, critical: false, value: der.sequence(der.contextPrimitive(0, Buffer.from([5]))) };
  add({
    name: 'a policyConstraints that is not critical',
    leaf: await leafOf(loosePc, leafParty()),
    intermediates: [await issue(rootParty, loosePc, { ...CA_FIELDS, extensions: [looseConstraints] })],
    strict: refused('PATH_POLICY_CONSTRAINTS_NOT_CRITICAL', 1),
    rfc5280: 'valid',
  });
  const emptySubject = { spki: leafParty().spki, name: encodeName([]) };
  add({
    name: 'an empty subject with a non-critical subjectAltName',
    leaf: await leafOf(issuing, emptySubject, { critical: { subjectAltName: false } }),
    strict: refused('PATH_SUBJECT_ALT_NAME_NOT_CRITICAL'),
    rfc5280: 'refused',
  });
  add({
    name: 'an empty subject with a critical subjectAltName',
    leaf: await leafOf(issuing, emptySubject),
    purpose: 'client',
    strict: 'valid',
    rfc5280: 'valid',
  });
  add({
    name: 'a critical subjectAltName beside a non-empty subject',
    leaf: await leafOf(issuing, leafParty(), { critical: { subjectAltName: true } }),
    strict: refused('PATH_SUBJECT_ALT_NAME_CRITICAL'),
    rfc5280: 'valid',
  });
  add({
    name: 'a critical authorityInfoAccess',
    leaf: await leafOf(issuing, leafParty(), {
      authorityInfoAccess: { ocsp: ['http://ocsp.example.com/'] },
      critical: { authorityInfoAccess: true },
    }),
    strict: refused('PATH_AUTHORITY_INFO_ACCESS_CRITICAL'),
    rfc5280: 'valid',
  });

  // -- A CA with an empty subject (RFC 5280 4.1.2.6), validated as the certificate itself.
  const emptyCa = rawLeaf(issuing, emptySubject, [
    encodeExtension(OID.basicConstraints, true, der.sequence(der.boolean(true))),
    encodeExtension(OID.keyUsage, true, der.namedBitString([5, 6])),
    akiExtension(issuing),
    encodeExtension(OID.subjectKeyIdentifier, false, der.octetString(keyIdentifier(emptySubject.spki))),
    sanExtension('ca.example.com', true),
  ]);
  add({
    name: 'a CA certificate with an empty subject',
    leaf: emptyCa,
    purpose: 'any',
    strict: refused('PATH_CA_SUBJECT_EMPTY'),
    rfc5280: 'refused',
  });

  // -- DNS name syntax.
  const underscoreLeaf = rawLeaf(issuing, party('/O=Symbolon Profile/CN=a_b.example.com'), [
    encodeExtension(OID.basicConstraints, true, der.sequence()),
    encodeExtension(OID.keyUsage, true, der.namedBitString([0])),
    ekuExtension(),
    akiExtension(issuing),
    sanExtension('a_b.example.com'),
  ]);
  add({ name: 'a DNS name with an underscore', leaf: underscoreLeaf, strict: refused('PATH_DNS_NAME_INVALID'), rfc5280: 'valid' });
  const underscoreNc = party('/C=US/O=Symbolon Profile/CN=Underscore NC CA');
  add({
    name: 'a DNS name constraint with an underscore',
    leaf: await leafOf(underscoreNc, leafParty()),
    intermediates: [
      await issue(rootParty, underscoreNc, {
        ...CA_FIELDS,
        extensions: [{ oid: OID.nameConstraints, critical: true, value: dnsConstraint(1, 'x_y.example.com') }],
      }),
    ],
    strict: refused('PATH_DNS_NAME_INVALID', 1),
    rfc5280: 'valid',
  });
  const periodNc = party('/C=US/O=Symbolon Profile/CN=Leading Period NC CA');
  add({
    name: 'a DNS name constraint with a leading period',
    leaf: await leafOf(periodNc, leafParty()),
    intermediates: [
      await issue(rootParty, periodNc, {
        ...CA_FIELDS,
        extensions: [{ oid: OID.nameConstraints, critical: true, value: dnsConstraint(0, '.example.com') }],
      }),
    ],
    strict: refused('PATH_DNS_CONSTRAINT_LEADING_PERIOD', 1),
    rfc5280: 'valid',
  });

  // -- Extended key usage in the TLS profiles.
  const noEku = (): Promise<Buffer> =>
    issue(issuing, leafParty(), {
      basicConstraints: { isCa: false },
      keyUsage: ['digitalSignature'],
      subjectAltName: [dns('leaf.example.com')],
    });
  add({
    name: 'a TLS client leaf without extendedKeyUsage',
    leaf: await noEku(),
    purpose: 'client',
    strict: refused('PATH_TLS_EXTENDED_KEY_USAGE_MISSING'),
    rfc5280: 'valid',
  });
  add({ name: 'a leaf without extendedKeyUsage for purpose any', leaf: await noEku(), purpose: 'any', strict: 'valid', rfc5280: 'valid' });
  add({
    name: 'a TLS client leaf with anyExtendedKeyUsage',
    leaf: await leafOf(issuing, leafParty(), { extKeyUsage: ['clientAuth', 'anyExtendedKeyUsage'] }),
    purpose: 'client',
    strict: refused('PATH_TLS_ANY_EXTENDED_KEY_USAGE'),
    rfc5280: 'valid',
  });
  const ekuRoot = party('/C=US/O=Symbolon Profile/CN=EKU Root');
  const ekuRootCert = await buildSelfSignedCertificate(
    {
      serialNumber: serial++,
      subject: ekuRoot.name,
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      ...CA_FIELDS,
      extKeyUsage: ['clientAuth'],
    },
    ekuRoot.signer,
  );
  add({
    name: 'a root with extendedKeyUsage',
    leaf: await leafOf(ekuRoot, leafParty(), { extKeyUsage: ['clientAuth'] }),
    anchors: [ekuRootCert],
    intermediates: [],
    purpose: 'client',
    strict: refused('PATH_ROOT_EXTENDED_KEY_USAGE', 1),
    rfc5280: 'valid',
  });

  // -- Weak keys: never used to sign here, only certified.
  const rsa1024 = generateKeyPairSync('rsa', { modulusLength: 1024 }).publicKey;
  add({
    name: 'an RSA key of 1024 bits',
    leaf: await leafOf(issuing, subjectWithKey('/O=Symbolon Profile/CN=leaf.example.com', rsa1024)),
    strict: refused('PATH_WEAK_KEY'),
    rfc5280: 'valid',
  });
  const rsaOdd = generateKeyPairSync('rsa', { modulusLength: 2052 }).publicKey;
  add({
    name: 'an RSA key whose length is not a multiple of 8',
    leaf: await leafOf(issuing, subjectWithKey('/O=Symbolon Profile/CN=leaf.example.com', rsaOdd)),
    strict: refused('PATH_WEAK_KEY'),
    rfc5280: 'valid',
  });
  const p192 = generateKeyPairSync('ec', { namedCurve: 'prime192v1' }).publicKey;
  add({
    name: 'an EC key on P-192',
    leaf: await leafOf(issuing, subjectWithKey('/O=Symbolon Profile/CN=leaf.example.com', p192)),
    strict: refused('PATH_WEAK_KEY'),
    rfc5280: 'valid',
  });
  const dsa = generateKeyPairSync('dsa', { modulusLength: 1024, divisorLength: 160 }).publicKey;
  add({
    name: 'a DSA key',
    leaf: await leafOf(issuing, subjectWithKey('/O=Symbolon Profile/CN=leaf.example.com', dsa)),
    strict: refused('PATH_WEAK_KEY'),
    rfc5280: 'valid',
  });

  // -- The subject CN of a TLS server.
  const otherCn = await leafOf(issuing, party('/O=Symbolon Profile/CN=other.example.com'));
  add({
    name: 'a TLS server whose CN is not among its SAN names',
    leaf: otherCn,
    strict: refused('PATH_SERVER_COMMON_NAME_NOT_IN_SAN'),
    rfc5280: 'valid',
  });
  add({
    name: 'a TLS client keeps a free-form CN',
    leaf: await leafOf(issuing, party('/O=Symbolon Profile/CN=Jane Doe (ops)')),
    purpose: 'client',
    strict: 'valid',
    rfc5280: 'valid',
  });
  add({
    name: 'a TLS server whose CN is its IP SAN',
    leaf: await leafOf(issuing, party('/CN=10.1.2.3'), { subjectAltName: [{ type: 'ip', value: '10.1.2.3' }] }),
    strict: 'valid',
    rfc5280: 'valid',
  });
  return vectors;
}

/** The parsed anchors of a vector, for callers that want Certificates. */
export function anchorsOf(vector: ProfileVector): ReturnType<typeof parseCertificate>[] {
  return vector.anchors.map((anchor) => parseCertificate(anchor));
}
