import type { X509Certificate } from 'node:crypto';
import type { DetailedPeerCertificate, TLSSocket } from 'node:tls';
import { isSymbolonError } from '../../errors.js';
import { validatePath } from '../../path/index.js';
import type { PathErrorCode, PathFailure, TrustBundle, ValidationCache, ValidationProfile } from '../../path/index.js';
import { parseCertificate } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';
import type { RejectionReason } from '../rejection.js';
import { BoundedCache } from '../../bounded-cache.js';

/** A client whose chain both OpenSSL and the strict validator accepted. */
export interface VerifiedClientIdentity {
  readonly certificate: Certificate;
  /** The certificates between the leaf and the trust anchor, in chain order. */
  readonly intermediates: readonly Certificate[];
  /** The CA certificate that issued the leaf (an intermediate or the anchor). */
  readonly issuer: Certificate;
  /** The validated path, leaf first, trust anchor last: what revocation is checked on. */
  readonly path: readonly Certificate[];
  /** The trust bundles whose CAs hold the chain's anchor (indexes into the configuration's trustBundles), in order; never empty. */
  readonly bundleIndexes: readonly number[];
  /** The earliest notAfter of the path: from then on the identity is expired. */
  readonly validUntilMs: number;
}

/** What a TLS connection's client certificate amounts to, decided once per connection. */
export type ConnectionVerdict =
  | { readonly state: 'none' }
  | { readonly state: 'refused'; readonly reason: RejectionReason; readonly detail: string; readonly certificate: Certificate | undefined }
  | { readonly state: 'verified'; readonly identity: VerifiedClientIdentity };

export interface ClientVerifierOptions {
  readonly anchors: TrustBundle;
  /** Anchor fingerprint -> the indexes of the trust bundles that hold it. */
  readonly bundlesOfAnchor: ReadonlyMap<string, readonly number[]>;
  /**
   * The validation profile of each trust bundle, by index: a chain is held to its anchor's
   * bundle's, and to strict when any bundle that holds the anchor is strict (fail closed).
   */
  readonly bundleProfiles: readonly ValidationProfile[];
  /** Shared across reloads: its context includes the anchors' version. */
  readonly validationCache: ValidationCache;
  /** OpenSSL accepted a chain the strict validator refused: logged and counted. */
  readonly onDisagreement: (failure: PathFailure, certificate: Certificate) => void;
}

const NONE: ConnectionVerdict = Object.freeze({ state: 'none' });

/**
 * OpenSSL's verify error (as `node:tls` names it in `authorizationError`) as a rejection reason.
 * OpenSSL verifies client chains with the `sslclient` purpose, so a wrong EKU is INVALID_PURPOSE.
 */
export function reasonOfOpenSslError(code: string): RejectionReason {
  switch (code) {
    case 'CERT_HAS_EXPIRED':
      return 'expired';
    case 'CERT_NOT_YET_VALID':
      return 'not_yet_valid';
    case 'INVALID_PURPOSE':
      return 'wrong_usage';
    case 'CERT_REVOKED':
      return 'revoked';
    case 'INVALID_CA':
    case 'PATH_LENGTH_EXCEEDED':
    case 'INVALID_EXTENSION':
    case 'PERMITTED_VIOLATION':
    case 'EXCLUDED_VIOLATION':
    case 'UNHANDLED_CRITICAL_EXTENSION':
      return 'chain_invalid';
    default:
      return 'untrusted_issuer';
  }
}

/** A strict-validation failure as a rejection reason. */
export function reasonOfPathError(code: PathErrorCode): RejectionReason {
  switch (code) {
    case 'PATH_EXPIRED':
      return 'expired';
    case 'PATH_NOT_YET_VALID':
      return 'not_yet_valid';
    case 'PATH_NO_ISSUER':
    case 'PATH_SIGNATURE_INVALID':
    case 'PATH_UNSUPPORTED_ALGORITHM':
      return 'untrusted_issuer';
    case 'PATH_KEY_USAGE_INVALID':
    case 'PATH_EXTENDED_KEY_USAGE_INVALID':
    case 'PATH_TLS_EXTENDED_KEY_USAGE_MISSING':
    case 'PATH_TLS_ANY_EXTENDED_KEY_USAGE':
      return 'wrong_usage';
    case 'PATH_REVOKED':
      return 'revoked';
    case 'PATH_REVOCATION_UNKNOWN':
      return 'revocation_unavailable';
    default:
      return 'chain_invalid';
  }
}

/** Parsed certificates by their SHA-256, shared by every connection: a client reconnecting is parsed once. */
const MAX_PARSED = 20_000;
/** Intermediates clients sent in valid chains, for resumed sessions (which carry the leaf only). */
const MAX_SEEN_INTERMEDIATES = 256;

/**
 * Decides what a connection's client certificate is worth: OpenSSL's verdict first (it built and
 * checked the chain during the handshake), then the strict RFC 5280 validator of `src/path`
 * once per certificate, its answer kept by fingerprint and anchors' version until the chain's
 * earliest notAfter. Revocation and route rules are per request, not here.
 */
export class ClientVerifier {
  private readonly parsed = new BoundedCache<string, Certificate | undefined>(MAX_PARSED);
  private readonly seenIntermediates = new BoundedCache<string, Certificate>(MAX_SEEN_INTERMEDIATES);
  private readonly context: string;
  private readonly profileOf: (anchor: Certificate) => ValidationProfile;

  constructor(private readonly options: ClientVerifierOptions) {
    // The profiles are part of the answer: a reload that changes one must not reuse old results.
    this.context = `${options.anchors.version}:client:${options.bundleProfiles.join(',')}`;
    // An anchor of no bundle cannot happen (the anchors are the bundles'); if it did, strict.
    this.profileOf = (anchor) => {
      const indexes = options.bundlesOfAnchor.get(anchor.fingerprintSha256) ?? [];
      return indexes.length > 0 && indexes.every((index) => options.bundleProfiles[index] === 'rfc5280') ? 'rfc5280' : 'strict';
    };
  }

  verify(socket: TLSSocket, now: Date): ConnectionVerdict {
    // The leaf alone, without the chain: `getPeerX509Certificate` copies every certificate the
    // client sent (X509_dup, ~150 µs on a new connection here), which only a cache miss needs.
    const peer: Partial<DetailedPeerCertificate> = socket.getPeerCertificate(false);
    if (peer.raw === undefined || peer.fingerprint256 === undefined) return NONE;
    const leaf = this.parseDer(peer.fingerprint256, peer.raw);
    if (!socket.authorized) {
      const error = String(socket.authorizationError ?? 'UNKNOWN');
      return { state: 'refused', reason: reasonOfOpenSslError(error), detail: `OpenSSL: ${error}`, certificate: leaf };
    }
    if (leaf === undefined)
      return {
        state: 'refused',
        reason: 'chain_invalid',
        detail: 'the client certificate is not a well-formed X.509 certificate',
        certificate: undefined,
      };
    const nowMs = now.getTime();
    let result = this.options.validationCache.get(leaf.fingerprintSha256, this.context, nowMs);
    if (result === undefined) {
      const chain = socket.getPeerX509Certificate();
      const sent = chain === undefined ? [] : this.sentIntermediates(chain);
      result = validatePath(leaf, {
        anchors: this.options.anchors,
        intermediates: sent.length > 0 ? sent : [...this.seenIntermediates.values()],
        at: now,
        purpose: 'client',
        profile: this.profileOf,
      });
      this.options.validationCache.set(leaf.fingerprintSha256, this.context, result, nowMs);
      if (result.ok)
        for (const certificate of result.path.slice(1, -1)) this.seenIntermediates.set(certificate.fingerprintSha256, certificate);
    }
    if (!result.ok) {
      this.options.onDisagreement(result, leaf);
      return { state: 'refused', reason: reasonOfPathError(result.code), detail: `${result.code}: ${result.detail}`, certificate: leaf };
    }
    const { path } = result;
    const anchor = path[path.length - 1]!;
    const bundleIndexes = this.options.bundlesOfAnchor.get(anchor.fingerprintSha256);
    // Never taken for some bundle's: which bundle vouches for the client decides its revocation source and its routes.
    if (bundleIndexes === undefined)
      return {
        state: 'refused',
        reason: 'untrusted_issuer',
        detail: `the chain ends in ${anchor.fingerprintSha256}, a CA of no trust bundle`,
        certificate: leaf,
      };
    return {
      state: 'verified',
      identity: {
        certificate: leaf,
        intermediates: path.slice(1, -1),
        issuer: path[1] ?? anchor,
        path,
        bundleIndexes,
        validUntilMs: result.validUntil.getTime(),
      },
    };
  }

  private parse(x509: X509Certificate): Certificate | undefined {
    return this.parseDer(x509.fingerprint256, x509.raw);
  }

  /** `key` is the SHA-256 as OpenSSL formats it (colon-separated hex), a cache key only. */
  private parseDer(key: string, der: Buffer): Certificate | undefined {
    if (this.parsed.has(key)) return this.parsed.get(key);
    let certificate: Certificate | undefined;
    try {
      certificate = parseCertificate(der);
    } catch (error) {
      if (!isSymbolonError(error)) throw error;
    }
    this.parsed.set(key, certificate);
    return certificate;
  }

  /** The certificates the client sent after its leaf (OpenSSL links each to its issuer). */
  private sentIntermediates(peer: X509Certificate): Certificate[] {
    const chain: Certificate[] = [];
    let current: X509Certificate | undefined = peer.issuerCertificate;
    for (let depth = 0; current !== undefined && depth < 16; depth++) {
      const certificate = this.parse(current);
      if (certificate !== undefined) chain.push(certificate);
      const next: X509Certificate | undefined = current.issuerCertificate;
      if (next === undefined || next.fingerprint256 === current.fingerprint256) break;
      current = next;
    }
    return chain;
  }
}
