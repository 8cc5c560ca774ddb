import { createHash } from 'node:crypto';
import { isSymbolonError, SymbolonError } from '../errors.js';
import type { AuditAction } from '../audit/index.js';
import type { CertificateRecord, CertificateRef, EnrollmentTokenUse, SpentOnIssuance, Store } from '../store/index.js';
import { buildCertificate, formatGeneralName, formatName, verifyCsr } from '../x509/index.js';
import type { Certificate, Csr, DistinguishedName, GeneralName, PublicKeyInfo } from '../x509/index.js';
import type { CaConfig } from './data-dir/ca-config.js';
import { applyProfile, findProfile } from './policy/issuance-policy.js';
import { checkSubjectKey } from './policy/key-rules.js';
import type { IssuingCa } from './hierarchy/issuing-ca.js';
import { newSerialNumber } from './serial.js';

/** A certificate the CA issued, as it was recorded. */
export interface IssuedCertificate {
  readonly der: Buffer;
  readonly record: CertificateRecord;
  /** DER of the chain above it: the issuing intermediate, then the root. */
  readonly chain: readonly Buffer[];
}

/** What a key request asks for: names and the subject's public key. */
export interface KeyRequest {
  readonly subject: DistinguishedName;
  readonly subjectAltNames: readonly GeneralName[];
  /** The subject's key as parsed from its SubjectPublicKeyInfo (`parsePublicKeyInfo`, `Csr.publicKey`). */
  readonly publicKey: PublicKeyInfo;
  /** Its SubjectPublicKeyInfo DER. */
  readonly spki: Buffer;
}

export interface IssueOptions {
  readonly profile: string;
  readonly ttlSeconds?: number | undefined;
  /** Who asked, for the audit log. */
  readonly actor: string;
  /**
   * The enrollment token's use this issuance is paid with: taken in the certificate's own
   * transaction, so both are recorded or neither (a refused use issues nothing, a failed
   * issuance spends no use).
   */
  readonly tokenUse?: EnrollmentTokenUse | undefined;
  /**
   * The approved enrollment (held for approval) this issuance collects: moved to `issued` in the
   * certificate's own transaction, so an approval is issued once (`STORE_ENROLLMENT_DECIDED` for
   * every issuance after the first; nothing of it is recorded).
   */
  readonly approvedEnrollment?: string | undefined;
}

export interface RenewOptions {
  readonly actor: string;
  readonly ttlSeconds?: number | undefined;
  /** A new key for the renewed certificate (rekey); by default it keeps the old one. */
  readonly newKey?: { readonly publicKey: PublicKeyInfo; readonly spki: Buffer };
  /** The approved re-enrollment this renewal collects, as `IssueOptions.approvedEnrollment`. */
  readonly approvedEnrollment?: string | undefined;
}

export interface CertificateAuthorityOptions {
  readonly store: Store;
  readonly config: CaConfig;
  readonly issuer: IssuingCa;
  readonly clock: () => Date;
  /** A CSPRNG (`crypto.randomBytes`); tests pass their own. */
  readonly random: (size: number) => Uint8Array;
}

/** The issuing side of the CA: issuance from CSRs and key requests, and renewal. */
export interface CertificateAuthority {
  readonly issuer: IssuingCa;
  readonly config: CaConfig;
  /**
   * Issues under a profile for a key the requester holds. Throws the policy's errors,
   * `CA_PROFILE_UNKNOWN`, `CA_SERIAL_EXHAUSTED`, with `tokenUse` the token's refusals
   * (`STORE_TOKEN_USED_UP`, ...), with `approvedEnrollment` `STORE_ENROLLMENT_DECIDED`, `STORE_ENROLLMENT_NOT_FOUND`.
   */
  issue(request: KeyRequest, options: IssueOptions): Promise<IssuedCertificate>;
  /**
   * Checks a request against a profile exactly as `issue` would, and signs and records nothing:
   * throws the same errors. For callers that must spend something (an enrollment token's use)
   * only on a request that will be issued.
   */
  checkRequest(request: KeyRequest, options: Pick<IssueOptions, 'profile' | 'ttlSeconds'>): void;
  /** Issues from a CSR, checking its signature (`CSR_SIGNATURE_INVALID`) after the profile's key rules. */
  issueFromCsr(csr: Csr, options: IssueOptions): Promise<IssuedCertificate>;
  /**
   * A new certificate with the subject, names and profile of a recorded one, from the active
   * intermediate. Throws `CA_CERT_REVOKED` and the policy's errors (the profile may have changed).
   */
  renew(previous: CertificateRecord, parsed: Certificate, options: RenewOptions): Promise<IssuedCertificate>;
}

/** Serial collisions are 2^-126 events; a second one in a row means the random source is broken. */
const SERIAL_ATTEMPTS = 4;

function sanText(names: readonly GeneralName[] | undefined): string[] {
  return (names ?? []).map((name) => {
    const text = formatGeneralName(name);
    const colon = text.indexOf(':');
    return colon < 0 ? text : `${text.slice(0, colon).toLowerCase()}:${text.slice(colon + 1)}`;
  });
}

/** What an issuance with these options uses up, for the store to take in its transaction; undefined for nothing. */
function spentBy(options: Pick<IssueOptions, 'tokenUse' | 'approvedEnrollment'>): SpentOnIssuance | undefined {
  if (options.tokenUse === undefined && options.approvedEnrollment === undefined) return undefined;
  return { tokenUse: options.tokenUse, approvedEnrollment: options.approvedEnrollment };
}

/** Creates the CA service over a store, its configuration and the unlocked active intermediate. */
export function createCertificateAuthority(options: CertificateAuthorityOptions): CertificateAuthority {
  const { store, config, issuer, clock, random } = options;
  const issuerNotBefore = issuer.certificate.notBefore;
  const issuerNotAfter = issuer.certificate.notAfter;

  function decide(
    request: KeyRequest,
    profile: ReturnType<typeof findProfile>,
    ttlSeconds: number | undefined,
    now: Date,
  ): ReturnType<typeof applyProfile> {
    return applyProfile(
      profile,
      { subject: request.subject, subjectAltNames: request.subjectAltNames, publicKey: request.publicKey, ttlSeconds },
      {
        now,
        issuerId: issuer.id,
        issuerNotBefore,
        issuerNotAfter,
        publicBaseUrl: config.publicBaseUrl,
        spiffeTrustDomain: config.spiffeTrustDomain,
      },
    );
  }

  async function sign(
    request: KeyRequest,
    profileName: string,
    ttlSeconds: number | undefined,
    actor: string,
    action: AuditAction,
    renewalOf: CertificateRef | null,
    spent: SpentOnIssuance | undefined,
  ): Promise<IssuedCertificate> {
    const profile = findProfile(config.profiles, profileName);
    const now = clock();
    const decision = decide(request, profile, ttlSeconds, now);
    const subject = formatName(decision.subject as DistinguishedName);
    const subjectAltNames = sanText(decision.subjectAltName);
    for (let attempt = 1; ; attempt++) {
      const serial = newSerialNumber(random);
      // Object.assign, not `{ ...decision, serialNumber, ... }`: V8 copies a spread followed by
      // more properties on a slow path (about 7 µs here, against 0.2 µs), once per certificate.
      const template = Object.assign({}, decision, {
        serialNumber: serial.bytes,
        issuer: issuer.nameDer,
        subjectPublicKey: request.spki,
        authorityKeyIdentifier: issuer.keyIdentifier,
      });
      const der = await buildCertificate(template, issuer.signer);
      const fingerprint = createHash('sha256').update(der).digest('hex');
      try {
        const record = await store.recordIssuance(
          {
            issuerId: issuer.id,
            serial: serial.hex,
            subject,
            subjectAltNames,
            profile: profile.name,
            notBefore: decision.notBefore,
            notAfter: decision.notAfter,
            fingerprint,
            der,
            issuedAt: now,
            renewalOf,
          },
          {
            at: now,
            actor,
            action,
            target: `${issuer.id}/${serial.hex}`,
            payload: {
              issuer: issuer.id,
              serial: serial.hex,
              profile: profile.name,
              subject,
              subjectAltNames,
              notBefore: decision.notBefore.toISOString(),
              notAfter: decision.notAfter.toISOString(),
              sha256: fingerprint,
              ...(renewalOf === null ? {} : { renewalOf: `${renewalOf.issuerId}/${renewalOf.serial}` }),
            },
          },
          spent,
        );
        return Object.freeze({ der, record, chain: issuer.chain });
      } catch (error) {
        if (!isSymbolonError(error) || error.code !== 'STORE_SERIAL_TAKEN') throw error;
        if (attempt >= SERIAL_ATTEMPTS) {
          throw new SymbolonError(
            'CA_SERIAL_EXHAUSTED',
            `${attempt} random serial numbers in a row were already taken; the random source is broken`,
            { cause: error },
          );
        }
      }
    }
  }

  return Object.freeze({
    issuer,
    config,
    checkRequest: (request: KeyRequest, opts: Pick<IssueOptions, 'profile' | 'ttlSeconds'>) => {
      decide(request, findProfile(config.profiles, opts.profile), opts.ttlSeconds, clock());
    },
    issue: (request: KeyRequest, opts: IssueOptions) =>
      sign(request, opts.profile, opts.ttlSeconds, opts.actor, 'certificate.issue', null, spentBy(opts)),
    issueFromCsr: async (csr: Csr, opts: IssueOptions) => {
      // The key is judged first: a weak key is named as weak, not as a signature that fails.
      checkSubjectKey(findProfile(config.profiles, opts.profile), csr.publicKey);
      verifyCsr(csr);
      return sign(
        { subject: csr.subject, subjectAltNames: csr.subjectAltNames, publicKey: csr.publicKey, spki: csr.spki },
        opts.profile,
        opts.ttlSeconds,
        opts.actor,
        'certificate.issue',
        null,
        spentBy(opts),
      );
    },
    renew: async (previous: CertificateRecord, parsed: Certificate, opts: RenewOptions) => {
      if (previous.revocation !== null) {
        throw new SymbolonError(
          'CA_CERT_REVOKED',
          `the certificate ${previous.serial} was revoked (${previous.revocation.reason}); issue a new one instead of renewing`,
        );
      }
      const key = opts.newKey ?? { publicKey: parsed.publicKey, spki: parsed.spki };
      const request: KeyRequest = {
        subject: parsed.subject,
        subjectAltNames: parsed.subjectAltNames,
        publicKey: key.publicKey,
        spki: key.spki,
      };
      return sign(
        request,
        previous.profile,
        opts.ttlSeconds,
        opts.actor,
        'certificate.renew',
        { issuerId: previous.issuerId, serial: previous.serial },
        spentBy(opts),
      );
    },
  });
}
