import type { Certificate } from '../x509/index.js';
import { parseCertificate } from '../x509/index.js';
import { isSymbolonError, SymbolonError } from '../errors.js';
import { checkCandidatePath } from './chain-checks.js';
import type { PathPurpose } from './profiles/extended-key-usage.js';
import { buildPath } from './path-builder.js';
import { pathFailure } from './path-result.js';
import type { PathFailure, PathResult } from './path-result.js';
import { peerIdentityMismatch } from './names/peer-identity.js';
import type { PeerIdentity } from './names/peer-identity.js';
import { checkRevocation } from './revocation/revocation.js';
import type { CrlRequirement, RevocationList } from './revocation/revocation.js';
import { TrustBundle } from './trust-bundle.js';
import { profileFor } from './profiles/validation-profile.js';
import type { ProfileChoice } from './profiles/validation-profile.js';
import { DEFAULT_PATH_LIMITS, WorkBudget } from './work-limits.js';
import type { PathLimits } from './work-limits.js';

export interface PathValidationOptions {
  /** The trust anchors: a TrustBundle built once (its version keys caches), or certificates. */
  readonly anchors: TrustBundle | readonly Certificate[];
  /** Untrusted certificates that may complete the chain, parsed or DER, in any order. */
  readonly intermediates?: readonly (Certificate | Uint8Array)[];
  /** The validation time (RFC 5280 6.1.1 (b)): the core has no clock of its own. */
  readonly at: Date;
  /** What the leaf is for; `any` (the default) skips the TLS key usage checks. */
  readonly purpose?: PathPurpose;
  /** The identity the leaf must carry, checked once the chain is valid. */
  readonly peer?: PeerIdentity;
  /** CRLs to check revocation with (RFC 5280 6.3); any certificate they list refuses the chain. */
  readonly crls?: readonly RevocationList[];
  /** Which certificates must be covered by one of `crls`; `available` (the default) demands none. */
  readonly crlRequirement?: CrlRequirement;
  /**
   * `strict` (the default) or `rfc5280` (see validation-profile.ts); a function picks it by the
   * trust anchor a candidate path ends in (a gateway with one profile per trust bundle).
   */
  readonly profile?: ProfileChoice;
  readonly limits?: Partial<PathLimits>;
}

type Parsed = { readonly certificate: Certificate } | { readonly error: SymbolonError };

/** Parses DER (a certificate passes through); a parser fault is a value, anything else throws. */
function parseInput(input: Certificate | Uint8Array): Parsed {
  if (!(input instanceof Uint8Array)) return { certificate: input };
  try {
    return { certificate: parseCertificate(input) };
  } catch (error) {
    if (error instanceof SymbolonError) return { error };
    throw error;
  }
}

function parseFailure(error: SymbolonError, index: number, what: string): PathFailure {
  // The parser refuses malformed and repeated extensions (RFC 5280 4.2); the path reports them as such.
  const isExtension = error.code === 'CERT_BAD_EXTENSION' || error.code === 'CERT_DUPLICATE_EXTENSION';
  return pathFailure(isExtension ? 'PATH_EXTENSION_INVALID' : 'PATH_CERT_MALFORMED', index, `${what}: ${error.message}`);
}

function run(leafInput: Certificate | Uint8Array, options: PathValidationOptions): PathResult {
  const leaf = parseInput(leafInput);
  if ('error' in leaf) return parseFailure(leaf.error, 0, 'the certificate cannot be read');
  const pool: Certificate[] = [];
  let unreadable: { error: SymbolonError; position: number } | undefined;
  (options.intermediates ?? []).forEach((input, position) => {
    const parsed = parseInput(input);
    if ('certificate' in parsed) pool.push(parsed.certificate);
    else unreadable ??= { error: parsed.error, position };
  });
  const anchors = options.anchors instanceof TrustBundle ? options.anchors : new TrustBundle(options.anchors);
  const limits: PathLimits = { ...DEFAULT_PATH_LIMITS, ...options.limits };
  const budget = new WorkBudget(limits);
  const purpose = options.purpose ?? 'any';
  const crls = options.crls ?? [];
  let crlNextUpdate: Date | undefined;

  const outcome = buildPath(leaf.certificate, {
    anchors,
    pool,
    at: options.at,
    budget,
    maxIntermediates: limits.maxIntermediates,
    checkPath: (path) => {
      const profile = profileFor(options.profile, path[path.length - 1]!);
      const failure = checkCandidatePath(path, { at: options.at, purpose, budget, profile });
      if (failure !== undefined || (crls.length === 0 && options.crlRequirement === undefined)) return failure;
      const revocation = checkRevocation(path, crls, {
        at: options.at,
        requirement: options.crlRequirement ?? 'available',
        budget,
        pool,
        profile,
      });
      crlNextUpdate = revocation.nextUpdate;
      return revocation.failure;
    },
  });
  if ('failure' in outcome) {
    // An intermediate that could not be read is the likelier story behind a missing issuer.
    if (outcome.failure.code === 'PATH_NO_ISSUER' && unreadable !== undefined) {
      return parseFailure(
        unreadable.error,
        outcome.failure.certificateIndex + 1,
        `intermediate certificate ${unreadable.position + 1} as given cannot be read`,
      );
    }
    return outcome.failure;
  }
  const path = Object.freeze([...outcome.path]);
  if (options.peer !== undefined) {
    const mismatch = peerIdentityMismatch(path[0]!, options.peer);
    if (mismatch !== undefined) return pathFailure('PATH_NAME_MISMATCH', 0, mismatch);
  }
  let validUntil = path[0]!.notAfter;
  for (const certificate of path) if (certificate.notAfter < validUntil) validUntil = certificate.notAfter;
  if (crlNextUpdate !== undefined && crlNextUpdate < validUntil) validUntil = crlNextUpdate;
  return { ok: true, path, validUntil };
}

/**
 * Builds and validates a certification path for `leaf` (RFC 5280 section 6) and says why not
 * when there is none. Never throws for a bad chain: a bad certificate, a hostile pool or a limit
 * reached is a `{ ok: false, code, certificateIndex, detail }` result. An unexpected fault
 * inside the validator is PATH_INTERNAL_ERROR, never a valid result.
 */
export function validatePath(leaf: Certificate | Uint8Array, options: PathValidationOptions): PathResult {
  try {
    return run(leaf, options);
  } catch (error) {
    if (isSymbolonError(error, 'PATH_LIMIT_EXCEEDED')) return pathFailure('PATH_LIMIT_EXCEEDED', 0, `validation stopped: ${error.message}`);
    const detail = error instanceof Error ? error.message : String(error);
    return pathFailure('PATH_INTERNAL_ERROR', 0, `the validator failed unexpectedly (${detail})`);
  }
}
