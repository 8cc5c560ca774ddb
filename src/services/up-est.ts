import { randomBytes } from 'node:crypto';
import { createCertificateAuthority } from '../ca/index.js';
import type { DataDir, IssuingCa } from '../ca/index.js';
import { createEstRoute, EST_PATH, MAX_EST_BODY_BYTES } from '../est/index.js';
import { parseCertificate } from '../x509/index.js';
import { enrollmentTokenKey } from '../est/index.js';
import type { RevocationServices } from './revocation-services.js';

export interface UpEstOptions {
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  /** The unlocked intermediates: EST issues from the active one. */
  readonly unlocked: readonly IssuingCa[];
  readonly clock: () => Date;
  readonly onError: (error: unknown) => void;
  /** Retry-After of a 202 while an enrollment waits for approval. */
  readonly retryAfterSeconds?: number;
}

/**
 * Mounts EST (RFC 7030) at /.well-known/est on up's HTTPS service listener, issuing from the
 * active intermediate. Resolves with its URL, or undefined when there is no service listener or
 * the active intermediate's key is locked.
 */
export async function mountEst(options: UpEstOptions): Promise<string | undefined> {
  const { dataDir, services } = options;
  const active = options.unlocked.find((issuer) => issuer.id === dataDir.activeIssuer.id);
  if (services.serviceListener === undefined || services.serviceUrl === undefined || active === undefined) return undefined;
  const ca = createCertificateAuthority({
    store: services.store,
    config: dataDir.config,
    issuer: active,
    clock: options.clock,
    random: randomBytes,
  });
  services.serviceListener.mount(
    EST_PATH,
    createEstRoute({
      store: services.store,
      ca,
      caCertificates: [active.certificate.der, dataDir.root.der],
      issuers: dataDir.issuers
        .filter((issuer) => issuer.parentId !== null)
        .map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) })),
      tokenHashKey: await enrollmentTokenKey(dataDir.paths),
      clock: options.clock,
      retryAfterSeconds: options.retryAfterSeconds ?? 60,
      maxBodyBytes: MAX_EST_BODY_BYTES,
      bodyTimeoutMs: 30_000,
      realm: `${dataDir.config.name} EST`,
      onError: options.onError,
    }),
  );
  return `${services.serviceUrl}${EST_PATH}`;
}
