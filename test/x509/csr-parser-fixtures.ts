// CSRs crafted field by field (RFC 2986), signed with node:crypto.
import { generateKeyPairSync, sign } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { der } from '../../src/asn1/index.js';
import { ecdsaWithSha256, extension, name, spkiOf } from './certificate-parser-fixtures.js';

export const requesterKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });

export function attribute(oid: string, ...values: Buffer[]): Buffer {
  return der.sequence(der.oid(oid), der.setOf(values));
}

export function extensionRequest(...extensions: Buffer[]): Buffer {
  return attribute('1.2.840.113549.1.9.14', der.sequenceOf(extensions));
}

export const defaultRequestedExtensions: readonly Buffer[] = [
  extension(
    '2.5.29.17',
    der.sequence(der.contextPrimitive(2, Buffer.from('csr.example.com')), der.contextPrimitive(6, Buffer.from('spiffe://example.org/csr'))),
  ),
  extension('2.5.29.37', der.sequence(der.oid('1.3.6.1.5.5.7.3.2'))),
];

export interface CsrParts {
  readonly version?: number;
  readonly subject?: Buffer;
  readonly spki?: Buffer;
  /** Attribute elements; null leaves the [0] field out. */
  readonly attributes?: readonly Buffer[] | null;
  readonly algorithm?: Buffer;
  readonly signature?: Buffer;
  readonly signingKey?: KeyObject;
  readonly trailingFields?: readonly Buffer[];
}

export function infoOf(parts: CsrParts = {}): Buffer {
  const attributes = parts.attributes === undefined ? [extensionRequest(...defaultRequestedExtensions)] : parts.attributes;
  return der.sequenceOf([
    der.integer(parts.version ?? 0),
    parts.subject ?? name('/O=Symbolon Test/CN=csr.example.com'),
    parts.spki ?? spkiOf(requesterKeys.publicKey),
    ...(attributes === null ? [] : [der.contextConstructed(0, attributes)]),
    ...(parts.trailingFields ?? []),
  ]);
}

export function makeCsr(parts: CsrParts = {}): Buffer {
  const info = infoOf(parts);
  const signature = parts.signature ?? der.bitString(sign('sha256', info, parts.signingKey ?? requesterKeys.privateKey));
  return der.sequence(info, parts.algorithm ?? ecdsaWithSha256, signature);
}
