import { createPublicKey, X509Certificate } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { SymbolonError } from '../errors.js';
import { parseCertificate, toPem, verifyCertificateSignature } from '../x509/index.js';
import type { Certificate } from '../x509/index.js';

/** A key and the certificate issued for it, with the CA certificates around it, as the client holds them. */
export interface Credential {
  readonly privateKey: KeyObject;
  /** PKCS#8 PEM of the private key. */
  readonly keyPem: string;
  readonly certificate: Certificate;
  /** The leaf, then the intermediates up to (not including) the root, PEM: what a TLS client presents. */
  readonly chainPem: string;
  /** Every CA certificate the EST server distributes (cacerts), PEM: what peers are verified against. */
  readonly caPem: string;
  /** When this client received the certificate: where its renewal schedule starts. */
  readonly receivedAt: Date;
}

/** Whether `certificate` certifies `privateKey`'s public key. */
export function isKeyOfCertificate(privateKey: KeyObject, certificate: Certificate): boolean {
  const spki = createPublicKey(privateKey).export({ type: 'spki', format: 'der' });
  return spki.equals(certificate.spki);
}

/**
 * Checks what an EST server answered and makes it a credential: the first certificate must be
 * for `privateKey`, signed by one of `caCertificates`, and valid now (a certificate dated in the
 * future means this clock is behind the CA's). Throws `CLIENT_EST_RESPONSE_INVALID` or
 * `CLIENT_CERTIFICATE_NOT_YET_VALID`.
 */
export function acceptIssued(issued: readonly Buffer[], privateKey: KeyObject, caCertificates: readonly Buffer[], now: Date): Credential {
  const first = issued[0];
  if (first === undefined) throw new SymbolonError('CLIENT_EST_RESPONSE_INVALID', 'the answer holds no certificate');
  let leaf: Certificate;
  let cas: Certificate[];
  try {
    leaf = parseCertificate(first);
    cas = caCertificates.map((der) => parseCertificate(der));
  } catch (error) {
    throw new SymbolonError('CLIENT_EST_RESPONSE_INVALID', `a certificate of the answer does not parse: ${(error as Error).message}`, {
      cause: error,
    });
  }
  if (!isKeyOfCertificate(privateKey, leaf))
    throw new SymbolonError('CLIENT_EST_RESPONSE_INVALID', 'the certificate issued is not for the key this client sent');
  const issuer = cas.find((ca) => ca.subjectDer.equals(leaf.issuerDer) && safeVerify(leaf, ca));
  if (issuer === undefined)
    throw new SymbolonError('CLIENT_EST_RESPONSE_INVALID', 'the certificate issued is not signed by a CA certificate of this EST server');
  if (now.getTime() < leaf.notBefore.getTime())
    throw new SymbolonError(
      'CLIENT_CERTIFICATE_NOT_YET_VALID',
      `the new certificate ${leaf.serialNumber} is valid from ${leaf.notBefore.toISOString()}, and this clock says ${now.toISOString()}`,
    );
  if (now.getTime() >= leaf.notAfter.getTime())
    throw new SymbolonError('CLIENT_EST_RESPONSE_INVALID', `the new certificate expired at ${leaf.notAfter.toISOString()}`);
  const intermediates = cas.filter((ca) => !ca.isSelfIssued);
  return {
    privateKey,
    keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
    certificate: leaf,
    chainPem: [leaf, ...chainAbove(leaf, intermediates)].map((cert) => toPem('CERTIFICATE', cert.der)).join(''),
    caPem: cas.map((ca) => toPem('CERTIFICATE', ca.der)).join(''),
    receivedAt: now,
  };
}

function safeVerify(certificate: Certificate, issuer: Certificate): boolean {
  try {
    return verifyCertificateSignature(certificate, issuer);
  } catch {
    return false;
  }
}

/** The intermediates from `leaf`'s issuer upwards, as far as `intermediates` go (at most their number). */
function chainAbove(leaf: Certificate, intermediates: readonly Certificate[]): Certificate[] {
  const chain: Certificate[] = [];
  let current = leaf;
  for (let i = 0; i < intermediates.length; i++) {
    const next = intermediates.find((ca) => ca.subjectDer.equals(current.issuerDer) && !chain.includes(ca));
    if (next === undefined) break;
    chain.push(next);
    current = next;
  }
  return chain;
}

/** The leaf of a PEM chain, checked by OpenSSL too (what TLS will load). */
export function leafOfChain(chainPem: string): Certificate {
  const x509 = new X509Certificate(chainPem);
  return parseCertificate(x509.raw);
}
