import { randomBytes } from 'node:crypto';
import { createCertificateAuthority } from '../ca/index.js';
import type { DataDir, IssuingCa } from '../ca/index.js';
import { errorCodeOf } from '../errors.js';
import { createDelegatedSigner } from '../ocsp/index.js';
import type { DelegatedSigner } from '../ocsp/index.js';
import type { CertificateRef, Store } from '../store/index.js';
import type { Closers } from './closers.js';

export interface OcspSignersOptions {
  readonly dataDir: DataDir;
  readonly issuers: readonly IssuingCa[];
  readonly store: Store;
  readonly clock: () => Date;
  readonly actor: string;
  readonly lifetimeSeconds: number;
  /** Records each responder certificate as one of up's own, revoking the one it replaces. */
  readonly recordInternal: (role: string, issued: CertificateRef) => Promise<void>;
  /** Called after a signer took a new key: answers cached with the old certificate must go. */
  readonly onRotated: () => void;
  readonly onError: (error: unknown) => void;
  readonly closers: Closers;
}

export interface OcspSigners {
  /** The delegated signer of each issuer OCSP answers for, by issuer id. */
  readonly signers: ReadonlyMap<string, DelegatedSigner>;
  /** Issuers no responder certificate could be issued for, with the error code. */
  readonly unansweredIssuers: readonly { readonly id: string; readonly code: string }[];
}

/**
 * Gives each unlocked issuer a delegated OCSP signer (RFC 6960 4.2.2.2), its certificate issued
 * under the `ocsp-signer` profile. An issuer whose signer cannot start is left unanswered and
 * named, not fatal: the other issuers are still answered for.
 */
export async function startOcspSigners(options: OcspSignersOptions): Promise<OcspSigners> {
  const { dataDir, store, clock, actor } = options;
  const signers = new Map<string, DelegatedSigner>();
  const unansweredIssuers: { id: string; code: string }[] = [];
  for (const issuer of options.issuers) {
    const ca = createCertificateAuthority({ store, config: dataDir.config, issuer, clock, random: randomBytes });
    try {
      const signer = await createDelegatedSigner({
        issuerCertificate: issuer.certificate,
        issue: async (key, ttlSeconds) => {
          const issued = await ca.issue(
            {
              subject: [[{ type: '2.5.4.3', value: `${dataDir.config.name} OCSP Responder (${issuer.id})` }]],
              subjectAltNames: [],
              publicKey: key.publicKey,
              spki: key.spki,
            },
            { profile: 'ocsp-signer', ttlSeconds, actor },
          );
          await options.recordInternal(`ocsp-signer:${issuer.id}`, issued.record);
          return issued.der;
        },
        lifetimeSeconds: options.lifetimeSeconds,
        clock,
        onRotated: options.onRotated,
        onError: options.onError,
      });
      signers.set(issuer.id, signer);
      options.closers.add(() => signer.close());
    } catch (error) {
      unansweredIssuers.push({ id: issuer.id, code: errorCodeOf(error) ?? 'INTERNAL' });
    }
  }
  return { signers, unansweredIssuers: Object.freeze(unansweredIssuers) };
}
