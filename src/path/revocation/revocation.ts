import { isSymbolonError } from '../../errors.js';
import type { Certificate, DistinguishedName, GeneralName, NameAttribute, RevokedSerials } from '../../x509/index.js';
import { CRL_REASONS, crlEntryKey, formatGeneralName, formatName, OID, verifyCrlSignature } from '../../x509/index.js';
import { checkCandidatePath } from '../chain-checks.js';
import { crlProfileViolation } from './crl-profile.js';
import { issuerKey, nameKey, subjectKey } from '../names/name-comparison.js';
import { buildPath } from '../path-builder.js';
import { pathFailure } from '../path-result.js';
import type { PathFailure } from '../path-result.js';
import { TrustBundle } from '../trust-bundle.js';
import { DEFAULT_PATH_LIMITS, WorkBudget } from '../work-limits.js';
import type { PathLimits } from '../work-limits.js';
import type { ValidationProfile } from '../profiles/validation-profile.js';

/**
 * Which certificates must be covered by a usable CRL: none (CRLs are used where they exist),
 * the leaf, or every certificate below the trust anchor (OpenSSL's -crl_check and
 * -crl_check_all).
 */
export type CrlRequirement = 'available' | 'leaf' | 'chain';

/** A CRL as the one CRL reader gives it: `readRevokedSerials`'s RevokedSerials, or `parseCrl`'s CertificateList (which holds as much and more). */
export type RevocationList = RevokedSerials;

export interface RevocationOptions {
  readonly at: Date;
  readonly requirement: CrlRequirement;
  readonly budget: WorkBudget;
  /** Certificates that may sign CRLs or complete a CRL signer's path (the validation's intermediates). */
  readonly pool: readonly Certificate[];
  /**
   * How long past its nextUpdate a CRL still covers certificates, in ms: 0 (RFC 5280 5.1.2.5)
   * unless the caller's policy says otherwise (the gateway's staleCrl). A CRL out of date still
   * revokes what it lists: revocation is final.
   */
  readonly staleGraceMs?: number;
  /** The strict profile (the default) also refuses a CRL without a non-critical cRLNumber (crl-profile.ts). */
  readonly profile?: ValidationProfile;
}

export interface RevocationOutcome {
  readonly failure: PathFailure | undefined;
  /** The earliest nextUpdate of the CRLs used: after it the answer must be worked out again. */
  readonly nextUpdate: Date | undefined;
}

// CRL extensions this check processes or may pass over (RFC 5280 5.2).
const PROCESSED_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.crlNumber,
  OID.authorityKeyIdentifier,
  OID.issuingDistributionPoint,
  OID.deltaCrlIndicator,
  OID.issuerAltName,
  OID.freshestCrl,
  OID.authorityInfoAccess,
]);

// RFC 5280 5.3.1 / 6.3.3: the reasons a set of CRLs must cover together (ReasonFlags less `unused`).
const ALL_REASONS: readonly string[] = [
  'keyCompromise',
  'cACompromise',
  'affiliationChanged',
  'superseded',
  'cessationOfOperation',
  'certificateHold',
  'privilegeWithdrawn',
  'aACompromise',
];
const REMOVE_FROM_CRL = CRL_REASONS.indexOf('removeFromCRL');
/** How deep CRL signer paths may nest (a CRL signer whose CRL has its own signer, ...). */
const MAX_SIGNER_DEPTH = 4;

/** A certificate's cRLDistributionPoints entry, or the implied one of a certificate without any. */
interface DistributionPoint {
  readonly fullName?: readonly GeneralName[];
  readonly nameRelativeToCrlIssuer?: readonly NameAttribute[];
  readonly reasons?: readonly string[];
  readonly crlIssuer?: readonly GeneralName[];
}

const IMPLIED_POINT: DistributionPoint = Object.freeze({});

const crlKeys = new WeakMap<RevocationList, { readonly issuer: string; readonly scope: string }>();

/** The CRL issuer's nameKey, and a key equal for two CRLs exactly when they have the same scope (issuer, key, IDP). */
function keysOf(crl: RevocationList): { readonly issuer: string; readonly scope: string } {
  let keys = crlKeys.get(crl);
  if (keys === undefined) {
    const issuer = nameKey(crl.issuer);
    const keyId = crl.authorityKeyIdentifier?.keyIdentifier?.toString('hex') ?? '';
    const idp = crl.extensions.find((extension) => extension.oid === OID.issuingDistributionPoint)?.value.toString('hex') ?? '';
    keys = { issuer, scope: `${issuer}\u0000${keyId}\u0000${idp}` };
    crlKeys.set(crl, keys);
  }
  return keys;
}

function describeCrl(crl: RevocationList): string {
  const number = crl.crlNumber === undefined ? '' : ` number ${crl.crlNumber}`;
  return `the ${crl.deltaCrlIndicator === undefined ? 'CRL' : 'delta CRL'}${number} of ${formatName(crl.issuer) || 'an unnamed issuer'}`;
}

const signatureResults = new WeakMap<RevocationList, Map<string, boolean>>();

function isSignedBy(crl: RevocationList, signer: Certificate, budget: WorkBudget): boolean {
  let results = signatureResults.get(crl);
  if (results === undefined) {
    results = new Map();
    signatureResults.set(crl, results);
  }
  let isValid = results.get(signer.fingerprintSha256);
  if (isValid === undefined) {
    budget.signatureCheck();
    try {
      isValid = verifyCrlSignature(crl, signer);
    } catch {
      // An algorithm or key Symbolon cannot use does not sign anything for it.
      isValid = false;
    }
    results.set(signer.fingerprintSha256, isValid);
  }
  return isValid;
}

function isCurrent(crl: RevocationList, at: Date, graceMs: number): boolean {
  const time = at.getTime();
  // RFC 5280 6.3.3 (a) and 5.1.2.4-5: issued before the validation time, next one not yet due.
  return crl.thisUpdate.getTime() <= time && (crl.nextUpdate === undefined || crl.nextUpdate.getTime() + graceMs >= time);
}

function dirNameKeys(names: readonly GeneralName[] | undefined): string[] {
  return (names ?? []).flatMap((name) => (name.type === 'dirName' ? [nameKey(name.value)] : []));
}

function generalNameKey(name: GeneralName): string {
  return name.type === 'dirName' ? `dirName:${nameKey(name.value)}` : formatGeneralName(name);
}

/** The names of a distribution point, a relative name completed with the name it is relative to (RFC 5280 4.2.1.13). */
function pointNames(
  fullName: readonly GeneralName[] | undefined,
  relative: readonly NameAttribute[] | undefined,
  relativeTo: readonly DistinguishedName[],
): string[] {
  if (fullName !== undefined) return fullName.map(generalNameKey);
  if (relative !== undefined) return relativeTo.map((base) => `dirName:${nameKey([...base, [...relative]])}`);
  return [];
}

function sharesName(a: readonly string[], b: readonly string[]): boolean {
  const set = new Set(a);
  return b.some((name) => set.has(name));
}

/**
 * RFC 5280 6.3.3 (b): is the complete CRL's issuer the one `point` names (the certificate's issuer,
 * or its cRLIssuer with an indirect CRL), and is the certificate within the CRL's scope?
 */
function isInScope(crl: RevocationList, certificate: Certificate, point: DistributionPoint): boolean {
  const idp = crl.issuingDistributionPoint;
  const crlIssuer = keysOf(crl).issuer;
  // (b)(1): the CRL issuer is the cRLIssuer of the point and the CRL says it is indirect; else the certificate's issuer.
  if (point.crlIssuer !== undefined) {
    if (idp?.indirectCrl !== true || !dirNameKeys(point.crlIssuer).includes(crlIssuer)) return false;
  } else if (crlIssuer !== issuerKey(certificate)) {
    return false;
  }
  if (idp === undefined) return true;
  // (b)(2)(iv): attribute certificates only; (ii)-(iii): user or CA certificates only.
  if (idp.onlyContainsAttributeCerts) return false;
  const isCa = certificate.basicConstraints?.isCa === true;
  if (idp.onlyContainsUserCerts && isCa) return false;
  if (idp.onlyContainsCaCerts && !isCa) return false;
  // (b)(2)(i): a named IDP shares a name with the point's name, or with its cRLIssuer when the point has no name.
  const idpNames = pointNames(idp.fullName, idp.nameRelativeToCrlIssuer, [crl.issuer]);
  if (idpNames.length === 0) return true;
  const relativeTo =
    point.crlIssuer !== undefined ? point.crlIssuer.flatMap((name) => (name.type === 'dirName' ? [name.value] : [])) : [certificate.issuer];
  const names = pointNames(point.fullName, point.nameRelativeToCrlIssuer, relativeTo);
  // A certificate that names no point is not in a partition that names one: the CRL does not cover it.
  if (names.length === 0) return point.crlIssuer !== undefined && sharesName(idpNames, point.crlIssuer.map(generalNameKey));
  return sharesName(idpNames, names);
}

/** RFC 5280 6.3.3 (d): the reasons this CRL can settle for the certificate through this point. */
function interimReasons(crl: RevocationList, point: DistributionPoint): string[] {
  const only = crl.issuingDistributionPoint?.onlySomeReasons;
  return ALL_REASONS.filter(
    (reason) => (only === undefined || only.includes(reason)) && (point.reasons === undefined || point.reasons.includes(reason)),
  );
}

/** The reasonCode of the certificate's entry in `crl` (-1 for none), or undefined when it is not listed. */
function entryReason(crl: RevocationList, certificate: Certificate): number | undefined {
  const entries = crl.entries;
  const serial = certificate.serialNumber;
  // RFC 5280 5.3.3: entries before any certificateIssuer belong to the CRL issuer.
  if (keysOf(crl).issuer === issuerKey(certificate)) {
    const reason = entries.byKey.get(serial);
    if (reason !== undefined) return reason;
  }
  if (entries.certificateIssuers.length === 0 || crl.issuingDistributionPoint?.indirectCrl !== true) return undefined;
  const wanted = issuerKey(certificate);
  for (let group = 1; group <= entries.certificateIssuers.length; group++) {
    if (!dirNameKeys(entries.certificateIssuers[group - 1]).includes(wanted)) continue;
    const reason = entries.byKey.get(crlEntryKey(group, serial));
    if (reason !== undefined) return reason;
  }
  return undefined;
}

function reasonName(code: number): string {
  return code < 0 ? '' : ` (${CRL_REASONS[code] ?? code})`;
}

/** What makes a CRL unusable whoever signed it (RFC 5280 5.2, 5.3), or undefined. */
function unusable(crl: RevocationList): string | undefined {
  for (const extension of crl.extensions) {
    if (extension.critical && !PROCESSED_CRL_EXTENSIONS.has(extension.oid))
      return `${describeCrl(crl)} has critical extension ${extension.oid}, which Symbolon does not process`;
  }
  const entry = crl.entries.unprocessedCriticalEntryExtension;
  if (entry !== undefined) return `${describeCrl(crl)} has an entry with critical extension ${entry}, which Symbolon does not process`;
  if (crl.signatureAlgorithm === undefined)
    return `${describeCrl(crl)} is signed with ${crl.signatureAlgorithmOid}, which Symbolon does not verify`;
  return undefined;
}

/** One validation's revocation work: the CRLs by issuer, and the CRL signers already decided. */
class RevocationRun {
  private readonly byIssuer = new Map<string, RevocationList[]>();
  private readonly signerVerdicts = new Map<string, boolean>();
  private readonly inProgress = new Set<string>();
  private readonly graceMs: number;

  constructor(
    crls: readonly RevocationList[],
    private readonly options: RevocationOptions,
  ) {
    for (const crl of crls) {
      const key = keysOf(crl).issuer;
      const list = this.byIssuer.get(key);
      if (list === undefined) this.byIssuer.set(key, [crl]);
      else list.push(crl);
    }
    this.graceMs = options.staleGraceMs ?? 0;
  }

  /**
   * RFC 5280 6.3.3 (f): a certificate that signed `crl` and whose path to the same trust anchor
   * validates, revocation included. A certificate above `index` in `path` is validated already;
   * another (a separate CRL key, a rolled-over key, the certificate itself) gets its own path.
   */
  private signerOf(crl: RevocationList, path: readonly Certificate[], index: number, depth: number): Certificate | undefined {
    const issuer = keysOf(crl).issuer;
    const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
    const seen = new Set<string>();
    const candidates = [...path.slice(index + 1), ...this.options.pool, ...path.slice(0, index + 1)];
    for (const [position, candidate] of candidates.entries()) {
      if (seen.has(candidate.fingerprintSha256)) continue;
      seen.add(candidate.fingerprintSha256);
      if (subjectKey(candidate) !== issuer) continue;
      // RFC 5280 5.2.1: an authorityKeyIdentifier naming another key belongs to another CA key.
      if (keyId !== undefined && candidate.subjectKeyIdentifier !== undefined && !keyId.equals(candidate.subjectKeyIdentifier)) continue;
      // 6.3.3 (f): the CRL signer's key usage, when present, allows cRLSign.
      if (candidate.keyUsage !== undefined && !candidate.keyUsage.includes('cRLSign')) continue;
      if (!isSignedBy(crl, candidate, this.options.budget)) continue;
      if (position < path.length - 1 - index) return candidate;
      if (this.isValidSigner(candidate, path, depth)) return candidate;
    }
    return undefined;
  }

  /** Does `signer` have a valid path to the anchor of `path`, built from the pool and the certificates of `path`? */
  private isValidSigner(signer: Certificate, path: readonly Certificate[], depth: number): boolean {
    const anchor = path[path.length - 1]!;
    const key = `${signer.fingerprintSha256}:${anchor.fingerprintSha256}`;
    const known = this.signerVerdicts.get(key);
    if (known !== undefined) return known;
    // A CRL issuer may cover its own certificate (PKITS 4.14.30): while its path is being
    // validated, the CRLs it signed count for it; nothing else vouches for its key anyway.
    if (this.inProgress.has(key)) return true;
    if (depth >= MAX_SIGNER_DEPTH) return false;
    this.inProgress.add(key);
    const { at, budget } = this.options;
    const outcome = buildPath(signer, {
      anchors: new TrustBundle([anchor]),
      pool: [...this.options.pool, ...path.slice(0, -1)],
      at,
      budget,
      maxIntermediates: DEFAULT_PATH_LIMITS.maxIntermediates,
      checkPath: (signerPath) =>
        checkCandidatePath(signerPath, { at, purpose: 'any', budget, profile: this.options.profile ?? 'strict' }) ??
        this.check(signerPath, depth + 1).failure,
    });
    this.inProgress.delete(key);
    const isValid = 'path' in outcome;
    this.signerVerdicts.set(key, isValid);
    return isValid;
  }

  /** RFC 5280 6.3.3 (c): the newest usable delta CRL for `base`, signed by the same key. */
  private deltaFor(base: RevocationList, signer: Certificate): RevocationList | undefined {
    const baseNumber = base.crlNumber;
    if (baseNumber === undefined) return undefined;
    let best: { readonly crl: RevocationList; readonly crlNumber: bigint } | undefined;
    for (const crl of this.byIssuer.get(keysOf(base).issuer) ?? []) {
      const baseOfDelta = crl.deltaCrlIndicator;
      if (baseOfDelta === undefined || keysOf(crl).scope !== keysOf(base).scope) continue;
      // 5.2.4: a delta applies to a complete CRL numbered at or after its BaseCRLNumber, and is newer than it.
      if (baseOfDelta > baseNumber || crl.crlNumber === undefined || crl.crlNumber <= baseNumber) continue;
      if (unusable(crl) !== undefined || !isSignedBy(crl, signer, this.options.budget)) continue;
      if (best === undefined || crl.crlNumber > best.crlNumber) best = { crl, crlNumber: crl.crlNumber };
    }
    return best?.crl;
  }

  /** RFC 5280 6.3 for every certificate of `path` below its trust anchor. */
  check(path: readonly Certificate[], depth = 0): RevocationOutcome {
    let nextUpdate: Date | undefined;
    const used = (crl: RevocationList): void => {
      if (crl.nextUpdate !== undefined && (nextUpdate === undefined || crl.nextUpdate < nextUpdate)) nextUpdate = crl.nextUpdate;
    };
    for (let index = 0; index < path.length - 1; index++) {
      const certificate = path[index]!;
      const reasonsMask = new Set<string>();
      let refusal: PathFailure | undefined;
      const points: readonly DistributionPoint[] =
        certificate.distributionPoints.length > 0 ? certificate.distributionPoints : [IMPLIED_POINT];
      const candidates = new Set<RevocationList>();
      for (const point of points) {
        const named = point.crlIssuer === undefined ? [issuerKey(certificate)] : dirNameKeys(point.crlIssuer);
        for (const issuer of named)
          for (const crl of this.byIssuer.get(issuer) ?? [])
            if (crl.deltaCrlIndicator === undefined && isInScope(crl, certificate, point)) candidates.add(crl);
      }
      // 6.3.3 (a): of the complete CRLs of one scope, the newest whose signer is found is the one used.
      const byScope = new Map<string, RevocationList[]>();
      for (const crl of candidates) {
        const list = byScope.get(keysOf(crl).scope);
        if (list === undefined) byScope.set(keysOf(crl).scope, [crl]);
        else list.push(crl);
      }
      for (const group of byScope.values()) {
        group.sort((a, b) =>
          a.crlNumber !== undefined && b.crlNumber !== undefined && a.crlNumber !== b.crlNumber
            ? a.crlNumber > b.crlNumber
              ? -1
              : 1
            : b.thisUpdate.getTime() - a.thisUpdate.getTime(),
        );
        for (const crl of group) {
          const problem = unusable(crl);
          if (problem !== undefined) {
            refusal ??= pathFailure('PATH_CRL_INVALID', index, `${problem}, so it cannot tell whether certificate ${index} is revoked`);
            continue;
          }
          const violation = crlProfileViolation(crl, this.options.profile ?? 'strict', describeCrl(crl));
          if (violation !== undefined) {
            refusal ??= pathFailure(
              violation.code,
              index,
              `${violation.detail}, so it cannot tell whether certificate ${index} is revoked`,
            );
            continue;
          }
          const signer = this.signerOf(crl, path, index, depth);
          if (signer === undefined) {
            refusal ??= pathFailure(
              'PATH_CRL_INVALID',
              index,
              `${describeCrl(crl)} is not signed by a certificate with cRLSign whose path to the same trust anchor is valid`,
            );
            continue;
          }
          const isCurrentNow = isCurrent(crl, this.options.at, this.graceMs);
          // 6.3.3 (c), (h): a delta CRL of the same scope, signed with the same key, read before the complete CRL.
          const delta = isCurrentNow ? this.deltaFor(crl, signer) : undefined;
          let deltaReason: number | undefined;
          if (delta !== undefined) {
            deltaReason = entryReason(delta, certificate);
            // A delta CRL out of date still revokes, but takes nothing back.
            if (deltaReason === REMOVE_FROM_CRL && !isCurrent(delta, this.options.at, this.graceMs)) deltaReason = undefined;
          }
          // (i)-(k): what the delta CRL says comes first; removeFromCRL takes the entry of the complete CRL back.
          const reason = deltaReason ?? entryReason(crl, certificate);
          if (reason !== undefined && deltaReason !== REMOVE_FROM_CRL) {
            const source = deltaReason !== undefined ? delta! : crl;
            return {
              failure: pathFailure(
                'PATH_REVOKED',
                index,
                `certificate ${index} (serial ${certificate.serialNumber}) is listed as revoked${reasonName(reason)} on ${describeCrl(source)}`,
              ),
              nextUpdate,
            };
          }
          if (!isCurrentNow) {
            refusal ??= pathFailure(
              'PATH_CRL_NOT_CURRENT',
              index,
              `${describeCrl(crl)} is not current at ${this.options.at.toISOString()} (thisUpdate ${crl.thisUpdate.toISOString()}, nextUpdate ${crl.nextUpdate?.toISOString() ?? 'none'})`,
            );
            break;
          }
          used(crl);
          if (delta !== undefined) used(delta);
          // (d), (l): the reasons this CRL settles, through every point that reaches it.
          for (const point of points)
            if (isInScope(crl, certificate, point)) for (const reason of interimReasons(crl, point)) reasonsMask.add(reason);
          break;
        }
      }
      if (reasonsMask.size === ALL_REASONS.length) continue;
      const isRequired = this.options.requirement === 'chain' || (this.options.requirement === 'leaf' && index === 0);
      if (refusal !== undefined) return { failure: refusal, nextUpdate };
      if (isRequired) {
        const partly = reasonsMask.size > 0 ? ` for every reason (only ${[...reasonsMask].join(', ')})` : '';
        return {
          failure: pathFailure(
            'PATH_REVOCATION_UNKNOWN',
            index,
            `no current CRL covers certificate ${index} (serial ${certificate.serialNumber}, issued by ${formatName(certificate.issuer)})${partly}`,
          ),
          nextUpdate,
        };
      }
    }
    return { failure: undefined, nextUpdate };
  }
}

/**
 * RFC 5280 6.3 with the CRLs given, for every certificate of `path` (leaf first, trust anchor
 * last) below the anchor: the one CRL revocation check, used by path validation, `verify` and the
 * gateway. For each certificate, the complete CRLs in its scope (issuer or cRLIssuer,
 * issuingDistributionPoint names and flags) are read, each the newest of its scope whose signer
 * has cRLSign and a valid path to the same anchor, with its delta CRL applied; together they
 * must cover every reason (onlySomeReasons). A certificate listed anywhere is PATH_REVOKED
 * (certificateHold included). A certificate no usable CRL covers is PATH_CRL_INVALID or
 * PATH_CRL_NOT_CURRENT when an unusable CRL was in scope, PATH_REVOCATION_UNKNOWN when `requirement`
 * demands coverage, and passes otherwise.
 */
export function checkRevocation(
  path: readonly Certificate[],
  crls: readonly RevocationList[],
  options: RevocationOptions,
): RevocationOutcome {
  return new RevocationRun(crls, options).check(path);
}

export interface PathRevocationOptions {
  readonly at: Date;
  /** Which certificates must be covered; `chain` (every one below the anchor) when left out. */
  readonly requirement?: CrlRequirement;
  /** Certificates that may sign CRLs or complete a CRL signer's path. */
  readonly pool?: readonly Certificate[];
  readonly staleGraceMs?: number;
  readonly limits?: Partial<PathLimits>;
  /** The validation profile of the path's trust bundle; strict when left out. */
  readonly profile?: ValidationProfile;
}

/**
 * The revocation status of an already validated path (leaf first, trust anchor last) from
 * `crls`: the check `validatePath` runs, for a caller that holds its own CRLs (the gateway).
 * Returns undefined when no certificate is revoked and coverage is as required, else the
 * failure (PATH_REVOKED, PATH_REVOCATION_UNKNOWN, PATH_CRL_INVALID, PATH_CRL_NOT_CURRENT,
 * PATH_LIMIT_EXCEEDED). Never throws for bad input.
 */
export function checkPathRevocation(
  path: readonly Certificate[],
  crls: readonly RevocationList[],
  options: PathRevocationOptions,
): RevocationOutcome {
  const budget = new WorkBudget({ ...DEFAULT_PATH_LIMITS, ...options.limits });
  try {
    return checkRevocation(path, crls, {
      at: options.at,
      requirement: options.requirement ?? 'chain',
      budget,
      pool: options.pool ?? [],
      ...(options.staleGraceMs !== undefined && { staleGraceMs: options.staleGraceMs }),
      ...(options.profile !== undefined && { profile: options.profile }),
    });
  } catch (error) {
    if (isSymbolonError(error, 'PATH_LIMIT_EXCEEDED'))
      return { failure: pathFailure('PATH_LIMIT_EXCEEDED', 0, `revocation checking stopped: ${error.message}`), nextUpdate: undefined };
    throw error;
  }
}
