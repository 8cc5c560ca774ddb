import { createHash } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { isSymbolonError } from '../errors.js';
import { generateKeyPair } from '../keys/index.js';
import type { KeyType } from '../keys/index.js';
import { createSigner } from '../keys/index.js';
import { buildCsr } from '../x509/index.js';
import type { DistinguishedName, GeneralName } from '../x509/index.js';
import { acceptIssued } from './credential.js';
import type { Credential } from './credential.js';
import { fetchCaCertificates, simpleEnroll, simpleReenroll } from './est-client.js';
import type { EnrollmentToken, EstEndpoint } from './est-client.js';
import type { PendingRequest, PendingRequestStore } from './pending-request.js';

/** What a first enrollment asks for: a subject and names the token allows, and the key to make. */
export interface EnrollmentRequest {
  readonly subject: DistinguishedName;
  readonly subjectAltNames: readonly GeneralName[];
  readonly keyType: KeyType;
}

async function csrFor(privateKey: KeyObject, subject: DistinguishedName | Uint8Array, names: readonly GeneralName[]): Promise<Buffer> {
  return buildCsr({ subject, ...(names.length === 0 ? {} : { subjectAltName: names }) }, createSigner(privateKey));
}

/** A digest of what a request is for: a pending request is sent again only when the next attempt is for the same. */
function purposeOf(parts: readonly unknown[]): string {
  return createHash('sha256').update(JSON.stringify(parts)).digest('hex');
}

/**
 * Sends the request `pending` holds for `purpose` (the CA held it for approval), else a new one
 * from `make`; keeps it in `pending` while the CA answers 202, forgets it once the CA answered
 * (a certificate or a refusal). Throws what `est-client` and `acceptIssued` throw.
 */
async function request(
  est: EstEndpoint,
  purpose: string,
  make: () => Promise<{ privateKey: KeyObject; csr: Buffer }>,
  post: (csr: Buffer) => Promise<Buffer[]>,
  pending: PendingRequestStore | undefined,
  now: () => Date,
): Promise<Credential> {
  const held = await pending?.load();
  const isHeld = held?.purpose === purpose;
  const sent: PendingRequest = isHeld ? held : { purpose, ...(await make()) };
  let issued: Buffer[];
  try {
    issued = await post(sent.csr);
  } catch (error) {
    if (isSymbolonError(error, 'CLIENT_EST_PENDING') && !isHeld) await pending?.save(sent);
    // A refusal of the held request is its final answer (rejected by an operator, the token revoked).
    else if (isSymbolonError(error, 'CLIENT_EST_REFUSED') && isHeld) await pending?.clear();
    throw error;
  }
  const credential = acceptIssued(issued, sent.privateKey, await fetchCaCertificates(est), now());
  await pending?.clear();
  return credential;
}

/**
 * First enrollment (RFC 7030 4.2.1) with a token: a new key, its CSR, the certificate and the
 * CA's certificates (cacerts, for the chain and for verifying peers). With `pending`, a request
 * the CA holds for approval is sent again as it was. Throws what `est-client` and `acceptIssued`
 * throw.
 */
export async function enroll(
  est: EstEndpoint,
  token: EnrollmentToken,
  enrollment: EnrollmentRequest,
  now: () => Date,
  pending?: PendingRequestStore,
): Promise<Credential> {
  return request(
    est,
    purposeOf(['enroll', est.url, token.id, enrollment.subject, enrollment.subjectAltNames, enrollment.keyType]),
    async () => {
      const { privateKey } = await generateKeyPair(enrollment.keyType);
      return { privateKey, csr: await csrFor(privateKey, enrollment.subject, enrollment.subjectAltNames) };
    },
    (csr) => simpleEnroll(est, token, csr),
    pending,
    now,
  );
}

/**
 * Re-enrollment (RFC 7030 4.2.2) with the current certificate: the same subject and names, a new
 * key unless `isKeyKept`. The current credential is only read. With `pending`, a request the CA
 * holds for approval is sent again as it was.
 */
export async function reenroll(
  est: EstEndpoint,
  current: Credential,
  options: { readonly keyType: KeyType; readonly isKeyKept: boolean },
  now: () => Date,
  pending?: PendingRequestStore,
): Promise<Credential> {
  return request(
    est,
    purposeOf(['reenroll', est.url, current.certificate.fingerprintSha256, options.keyType, options.isKeyKept]),
    async () => {
      const privateKey = options.isKeyKept ? current.privateKey : (await generateKeyPair(options.keyType)).privateKey;
      return { privateKey, csr: await csrFor(privateKey, current.certificate.subjectDer, current.certificate.subjectAltNames) };
    },
    (csr) => simpleReenroll(est, { keyPem: current.keyPem, certPem: current.chainPem }, csr),
    pending,
    now,
  );
}
