import { generateKeyPair } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';
import { createSigner } from '../keys/index.js';
import { buildCsr } from '../x509/index.js';
import type { DistinguishedName, GeneralName } from '../x509/index.js';
import type { KeyObject } from 'node:crypto';
import { acceptIssued } from './credential.js';
import type { Credential } from './credential.js';
import { fetchCaCertificates, simpleEnroll, simpleReenroll } from './est-client.js';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';

/** What a first enrollment asks for: a subject and names the token allows, and the key to make. */
export interface EnrollmentRequest {
  readonly subject: DistinguishedName;
  readonly subjectAltNames: readonly GeneralName[];
  readonly keyType: KeyType;
}

async function csrFor(privateKey: KeyObject, subject: DistinguishedName | Uint8Array, names: readonly GeneralName[]): Promise<Buffer> {
  return buildCsr({ subject, ...(names.length === 0 ? {} : { subjectAltName: names }) }, createSigner(privateKey));
}

/**
 * First enrollment (RFC 7030 4.2.1) with a token: a new key, its CSR, the certificate and the
 * CA's certificates (cacerts, for the chain and for verifying peers). Throws what `est-client`
 * and `acceptIssued` throw.
 */
export async function enroll(est: EstEndpoint, token: EnrollmentToken, request: EnrollmentRequest, now: () => Date): Promise<Credential> {
  const { privateKey } = await generateKeyPair(request.keyType);
  const csr = await csrFor(privateKey, request.subject, request.subjectAltNames);
  const issued = await simpleEnroll(est, token, csr);
  const caCertificates = await fetchCaCertificates(est);
  return acceptIssued(issued, privateKey, caCertificates, now());
}

/**
 * Re-enrollment (RFC 7030 4.2.2) with the current certificate: the same subject and names, a new
 * key unless `isKeyKept`. The current credential is only read.
 */
export async function reenroll(
  est: EstEndpoint,
  current: Credential,
  options: { readonly keyType: KeyType; readonly isKeyKept: boolean },
  now: () => Date,
): Promise<Credential> {
  const privateKey = options.isKeyKept ? current.privateKey : (await generateKeyPair(options.keyType)).privateKey;
  const csr = await csrFor(privateKey, current.certificate.subjectDer, current.certificate.subjectAltNames);
  const issued = await simpleReenroll(est, { keyPem: current.keyPem, certPem: current.chainPem }, csr);
  const caCertificates = await fetchCaCertificates(est);
  return acceptIssued(issued, privateKey, caCertificates, now());
}
