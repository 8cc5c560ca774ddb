// Certificates crafted field by field, so tests can bend one rule at a time. Built with the DER
// writer and signed with node:crypto; independent of the certificate builder.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der } from '../../src/asn1/index.js';
import { encodeName, parseName } from '../../src/x509/name.js';

export const ecdsaWithSha256 = der.sequence(der.oid('1.2.840.10045.4.3.2'));

export const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
export const subjectKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export function spkiOf(key: KeyObject): Buffer {
  return key.export({ format: 'der', type: 'spki' });
}

export function name(text: string): Buffer {
  return encodeName(parseName(text));
}

export function extension(oid: string, value: Buffer, critical?: boolean): Buffer {
  return critical === undefined
    ? der.sequence(der.oid(oid), der.octetString(value))
    : der.sequence(der.oid(oid), der.boolean(critical), der.octetString(value));
}

export interface CertificateParts {
  /** Encoded version value (2 for v3); null leaves the field out (v1). */
  readonly version?: number | null;
  readonly serial?: Buffer;
  readonly innerAlgorithm?: Buffer;
  readonly outerAlgorithm?: Buffer;
  readonly issuer?: Buffer;
  readonly validity?: Buffer;
  readonly subject?: Buffer;
  readonly spki?: Buffer;
  /** Fields between subjectPublicKeyInfo and extensions (unique identifiers). */
  readonly uniqueIds?: readonly Buffer[];
  /** Extension elements; null leaves the [3] field out. */
  readonly extensions?: readonly Buffer[] | null;
  /** Whole extensions field, instead of `extensions`. */
  readonly extensionsField?: Buffer;
  /** Anything appended to tbsCertificate. */
  readonly trailingFields?: readonly Buffer[];
  /** The signature BIT STRING; computed over the tbsCertificate when absent. */
  readonly signature?: Buffer;
  readonly signingKey?: KeyObject;
}

export const defaultExtensions: readonly Buffer[] = [
  extension('2.5.29.19', der.sequence(), true),
  extension('2.5.29.15', der.namedBitString([0]), true),
  extension(
    '2.5.29.17',
    der.sequence(der.contextPrimitive(2, Buffer.from('leaf.example.com')), der.contextPrimitive(7, Buffer.from([192, 0, 2, 1]))),
  ),
];

export function tbsOf(parts: CertificateParts = {}): Buffer {
  const version = parts.version === undefined ? 2 : parts.version;
  const fields: Buffer[] = [];
  if (version !== null) fields.push(der.explicit(0, der.integer(version)));
  fields.push(
    parts.serial ?? der.integer(0x1234567890abcdefn),
    parts.innerAlgorithm ?? ecdsaWithSha256,
    parts.issuer ?? name('/C=US/O=Symbolon Test/CN=Test CA'),
    parts.validity ?? der.sequence(der.utcTime(new Date('2025-01-01T00:00:00Z')), der.utcTime(new Date('2035-01-01T00:00:00Z'))),
    parts.subject ?? name('/O=Symbolon Test/CN=leaf.example.com'),
    parts.spki ?? spkiOf(subjectKeys.publicKey),
    ...(parts.uniqueIds ?? []),
  );
  if (parts.extensionsField !== undefined) fields.push(parts.extensionsField);
  else {
    const extensions = parts.extensions === undefined ? defaultExtensions : parts.extensions;
    if (extensions !== null) fields.push(der.explicit(3, der.sequenceOf(extensions)));
  }
  fields.push(...(parts.trailingFields ?? []));
  return der.sequenceOf(fields);
}

export function makeCertificate(parts: CertificateParts = {}): Buffer {
  const tbs = tbsOf(parts);
  const signature = parts.signature ?? der.bitString(sign('sha256', tbs, parts.signingKey ?? issuerKeys.privateKey));
  return der.sequence(tbs, parts.outerAlgorithm ?? ecdsaWithSha256, signature);
}
