import { createSigner, generateKeyRequest } from '../keys/index.js';
import { ocspResponderIdentity, parseCertificate } from '../x509/index.js';
import type { Certificate, OcspResponderIdentity, PublicKeyInfo } from '../x509/index.js';

export interface DelegatedSignerOptions {
  /** The CA certificate the responder answers for; it goes into `certs` after the responder's. */
  readonly issuerCertificate: Certificate;
  /**
   * Issues the responder certificate for a new key under the `ocsp-signer` profile
   * (id-kp-OCSPSigning and id-pkix-ocsp-nocheck, RFC 6960 4.2.2.2 and 4.2.2.2.1) from the same
   * issuer; returns its DER.
   */
  readonly issue: (key: { readonly spki: Buffer; readonly publicKey: PublicKeyInfo }, ttlSeconds: number) => Promise<Buffer>;
  readonly lifetimeSeconds: number;
  readonly clock: () => Date;
  /** Told about each new certificate (the first one too). */
  readonly onRotated?: (certificate: Certificate) => void;
  readonly onError?: (error: unknown) => void;
}

/** A delegated OCSP responder: a key that lives only in memory and the certificate the CA gave it. */
export interface DelegatedSigner {
  readonly identity: OcspResponderIdentity;
  readonly certificate: Certificate;
  /** A new key and certificate now (it happens by itself at two thirds of the lifetime). */
  rotate(): Promise<void>;
  close(): void;
}

/** setTimeout takes at most 2^31 - 1 ms (24.8 days); longer waits are taken in steps. */
const MAX_TIMER_MS = 2 ** 31 - 1;

/**
 * Creates the responder key, has the CA certify it, and renews both before the certificate
 * expires. Throws what `issue` throws (the issuer may have expired).
 */
export async function createDelegatedSigner(options: DelegatedSignerOptions): Promise<DelegatedSigner> {
  let identity: OcspResponderIdentity;
  let certificate: Certificate;
  let timer: NodeJS.Timeout | undefined;
  let isClosed = false;

  async function renew(): Promise<void> {
    const keys = await generateKeyRequest('p256');
    const der = await options.issue(keys, options.lifetimeSeconds);
    certificate = parseCertificate(der);
    identity = ocspResponderIdentity(createSigner(keys.privateKey), [der, options.issuerCertificate.der]);
    options.onRotated?.(certificate);
    schedule();
  }

  function schedule(): void {
    if (isClosed) return;
    if (timer !== undefined) clearTimeout(timer);
    const start = certificate.notBefore.getTime();
    const rotateAt = start + ((certificate.notAfter.getTime() - start) * 2) / 3;
    const wait = rotateAt - options.clock().getTime();
    timer = setTimeout(
      () => {
        if (options.clock().getTime() < rotateAt) return schedule();
        renew().catch((error: unknown) => {
          options.onError?.(error);
          // Try again in a minute; the current certificate is still valid for a third of its life.
          timer = setTimeout(() => void renew().catch(options.onError), 60_000);
          timer.unref();
        });
      },
      Math.min(MAX_TIMER_MS, Math.max(1000, wait)),
    );
    timer.unref();
  }

  await renew();
  return {
    get identity() {
      return identity;
    },
    get certificate() {
      return certificate;
    },
    rotate: renew,
    close(): void {
      isClosed = true;
      if (timer !== undefined) clearTimeout(timer);
    },
  };
}
