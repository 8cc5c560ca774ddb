import type { Certificate } from '../x509/index.js';
import { verifySignature } from '../x509/index.js';
import { issuerKey, subjectKey } from './names/name-comparison.js';
import { pathFailure } from './path-result.js';
import type { PathFailure } from './path-result.js';
import type { TrustBundle } from './trust-bundle.js';
import type { WorkBudget } from './work-limits.js';

export interface PathBuildOptions {
  readonly anchors: TrustBundle;
  /** Untrusted certificates that may be intermediates, in any order, duplicates allowed. */
  readonly pool: readonly Certificate[];
  readonly at: Date;
  readonly budget: WorkBudget;
  readonly maxIntermediates: number;
  /** Every other check of a path that reached an anchor (signatures are done): a failure or undefined. */
  readonly checkPath: (path: readonly Certificate[]) => PathFailure | undefined;
}

export type PathBuildOutcome = { readonly path: readonly Certificate[] } | { readonly failure: PathFailure };

// How telling a failure is, to report the best one when no path validates: a path that reached
// an anchor and failed a rule says more than a bound on depth, which says more than a link whose
// signature did not verify (often just the wrong one of several same-named CAs), which says
// more than a missing issuer.
const RANK_NO_ISSUER = 1;
const RANK_BAD_SIGNATURE = 2;
const RANK_UNSUPPORTED = 3;
const RANK_TOO_DEEP = 4;
const RANK_COMPLETE = 5;

interface Candidate {
  readonly certificate: Certificate;
  readonly isAnchor: boolean;
  readonly order: number;
}

/** The same CA twice in one path, by name and key: loops of cross-signed CAs end here. */
function identityKey(certificate: Certificate): string {
  return subjectKey(certificate) + '\u0000' + certificate.spki.toString('latin1');
}

/**
 * Builds candidate paths from `leaf` to a trust anchor, depth first, and returns the first that
 * passes `checkPath`, else the most telling failure. At each step the issuers named like the
 * current certificate's issuer (RFC 5280 7.1 name matching) are tried in this order: a
 * subjectKeyIdentifier equal to the authorityKeyIdentifier before one that is absent before one
 * that differs; trust anchors before intermediates; valid at `at` before not; later notAfter
 * first. A certificate whose name and key are already in the path is not added again, so
 * loops end. Every step counts against the budget, which throws PATH_LIMIT_EXCEEDED when spent.
 */
export function buildPath(leaf: Certificate, options: PathBuildOptions): PathBuildOutcome {
  const { anchors, budget, at } = options;
  const time = at.getTime();
  const pool = new Map<string, Certificate[]>();
  const pooled = new Set<string>();
  for (const certificate of options.pool) {
    if (anchors.has(certificate) || pooled.has(certificate.fingerprintSha256)) continue;
    pooled.add(certificate.fingerprintSha256);
    const key = subjectKey(certificate);
    const list = pool.get(key);
    if (list === undefined) pool.set(key, [certificate]);
    else list.push(certificate);
  }

  let best: { failure: PathFailure; rank: number } | undefined;
  const record = (failure: PathFailure, rank: number): void => {
    const isBetter =
      best === undefined ||
      rank > best.rank ||
      (rank === RANK_NO_ISSUER && best.rank === RANK_NO_ISSUER && failure.certificateIndex > best.failure.certificateIndex);
    if (isBetter) best = { failure, rank };
  };

  const signatureResults = new Map<string, boolean>();
  const linkFailure = (child: Certificate, issuer: Certificate, index: number): { failure: PathFailure; rank: number } | undefined => {
    const algorithm = child.signatureAlgorithm;
    if (algorithm === undefined)
      return {
        failure: pathFailure(
          'PATH_UNSUPPORTED_ALGORITHM',
          index,
          `certificate ${index} is signed with ${child.signatureAlgorithmOid}, which Symbolon does not verify`,
        ),
        rank: RANK_UNSUPPORTED,
      };
    const key = issuer.publicKey.keyObject;
    if (key === undefined)
      return {
        failure: pathFailure(
          'PATH_UNSUPPORTED_ALGORITHM',
          index + 1,
          `certificate ${index + 1} has a ${issuer.publicKey.algorithm} key, which Symbolon does not verify with`,
        ),
        rank: RANK_UNSUPPORTED,
      };
    const memoKey = child.fingerprintSha256 + issuer.fingerprintSha256;
    let isValid = signatureResults.get(memoKey);
    if (isValid === undefined) {
      budget.signatureCheck();
      isValid = verifySignature(algorithm, key, child.tbs, child.signature);
      signatureResults.set(memoKey, isValid);
    }
    if (isValid) return undefined;
    return {
      failure: pathFailure(
        'PATH_SIGNATURE_INVALID',
        index,
        `the signature of certificate ${index} does not verify with the key of its candidate issuer`,
      ),
      rank: RANK_BAD_SIGNATURE,
    };
  };

  const candidatesOf = (certificate: Certificate): Candidate[] => {
    const name = issuerKey(certificate);
    const keyId = certificate.authorityKeyIdentifier?.keyIdentifier;
    const candidates: Candidate[] = [];
    const add = (issuer: Certificate, isAnchor: boolean): void => {
      const ski = issuer.subjectKeyIdentifier;
      const keyMatch = keyId === undefined || ski === undefined ? 1 : keyId.equals(ski) ? 0 : 2;
      const isValidNow = issuer.notBefore.getTime() <= time && time <= issuer.notAfter.getTime();
      candidates.push({ certificate: issuer, isAnchor, order: keyMatch * 4 + (isAnchor ? 0 : 2) + (isValidNow ? 0 : 1) });
    };
    for (const anchor of anchors.withSubject(name)) add(anchor, true);
    for (const intermediate of pool.get(name) ?? []) add(intermediate, false);
    if (candidates.length > 1)
      candidates.sort((a, b) => a.order - b.order || b.certificate.notAfter.getTime() - a.certificate.notAfter.getTime());
    return candidates;
  };

  const seen = new Set<string>([identityKey(leaf)]);
  const path: Certificate[] = [leaf];

  const search = (): readonly Certificate[] | undefined => {
    const index = path.length - 1;
    const current = path[index]!;
    const candidates = candidatesOf(current);
    let isLoopOnly = candidates.length > 0;
    for (const { certificate, isAnchor } of candidates) {
      budget.candidate();
      const key = identityKey(certificate);
      if (!isAnchor && seen.has(key)) continue;
      isLoopOnly = false;
      const link = linkFailure(current, certificate, index);
      if (link !== undefined) {
        record(link.failure, link.rank);
        continue;
      }
      if (isAnchor) {
        budget.path();
        const complete = [...path, certificate];
        const failure = options.checkPath(complete);
        if (failure === undefined) return complete;
        record(failure, RANK_COMPLETE);
        continue;
      }
      if (path.length > options.maxIntermediates) {
        record(
          pathFailure(
            'PATH_LIMIT_EXCEEDED',
            index + 1,
            `the chain would need more than ${options.maxIntermediates} intermediate certificates`,
          ),
          RANK_TOO_DEEP,
        );
        continue;
      }
      seen.add(key);
      path.push(certificate);
      const found = search();
      if (found !== undefined) return found;
      path.pop();
      seen.delete(key);
    }
    if (candidates.length === 0)
      record(
        pathFailure('PATH_NO_ISSUER', index, `no trusted root or intermediate certificate is named as the issuer of certificate ${index}`),
        RANK_NO_ISSUER,
      );
    else if (isLoopOnly)
      record(
        pathFailure('PATH_NO_ISSUER', index, `the only issuers of certificate ${index} are already in the path (a loop)`),
        RANK_NO_ISSUER,
      );
    return undefined;
  };

  // A leaf that is itself a trust anchor (a pinned self-signed certificate) is a path of one.
  if (anchors.has(leaf)) {
    budget.path();
    const failure = options.checkPath([leaf]);
    if (failure === undefined) return { path: [leaf] };
    record(failure, RANK_COMPLETE);
  }
  const found = search();
  if (found !== undefined) return { path: found };
  return { failure: best?.failure ?? pathFailure('PATH_NO_ISSUER', 0, 'no issuer of the certificate was found') };
}
