import { createOcspRevocationSource } from '../gateway/revocation/index.js';
import type { RevocationAnswer } from '../gateway/revocation/index.js';
import { parseCertificate, parsePemBlocks } from '../x509/index.js';
import type { Credential } from './credential.js';

/**
 * The revocation status of the client's own certificate, asked of the OCSP responder (`url`, else
 * the one its authorityInfoAccess names) with the gateway's one OCSP check (response signed by the
 * issuer or its delegated responder, about this certificate, current). Never throws: a failure is
 * `unavailable` with the reason.
 */
export async function ownRevocationStatus(
  credential: Credential,
  options: { readonly url?: string | undefined; readonly timeoutMs: number },
  now: Date,
): Promise<RevocationAnswer> {
  const leaf = credential.certificate;
  const issuer = parsePemBlocks(credential.caPem)
    .map((block) => parseCertificate(block.der))
    .find((ca) => ca.subjectDer.equals(leaf.issuerDer));
  if (issuer === undefined) return { status: 'unavailable', detail: 'the issuer of the certificate is not among the CA certificates' };
  const source = createOcspRevocationSource({ url: options.url, cacheSeconds: 0, timeoutMs: options.timeoutMs, failureCacheSeconds: 0 });
  try {
    return await source.check([leaf, issuer], now);
  } finally {
    await source.close();
  }
}
