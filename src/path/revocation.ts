import type { Certificate, CertificateList, GeneralName, RevokedCertificate } from '../x509/index.js';
import { formatGeneralName, OID, verifyCrlSignature } from '../x509/index.js';
import { crlProfileViolation } from './crl-profile.js';
import { issuerKey, nameKey } from './name-comparison.js';
import { pathFailure } from './path-result.js';
import type { PathFailure } from './path-result.js';
import type { ValidationProfile } from './validation-profile.js';
import type { WorkBudget } from './work-limits.js';

/**
 * Which certificates must be covered by a usable CRL: none (CRLs are used where they exist),
 * the leaf, or every certificate below the trust anchor (OpenSSL's -crl_check and
 * -crl_check_all).
 */
export type CrlRequirement = 'available' | 'leaf' | 'chain';

export interface RevocationOptions {
  readonly at: Date;
  readonly requirement: CrlRequirement;
  readonly budget: WorkBudget;
  /** The strict profile also refuses a CRL without a non-critical cRLNumber (crl-profile.ts). */
  readonly profile?: ValidationProfile;
}

export interface RevocationOutcome {
  readonly failure: PathFailure | undefined;
  /** The earliest nextUpdate of the CRLs used: after it the answer must be worked out again. */
  readonly nextUpdate: Date | undefined;
}

// CRL extensions this check processes or may pass over (RFC 5280 5.2). deltaCRLIndicator is
// here because delta CRLs are set aside before this list is consulted.
const PROCESSED_CRL_EXTENSIONS: ReadonlySet<string> = new Set([
  OID.crlNumber,
  OID.authorityKeyIdentifier,
  OID.issuingDistributionPoint,
  OID.deltaCrlIndicator,
  OID.issuerAltName,
  OID.freshestCrl,
  OID.authorityInfoAccess,
]);
const PROCESSED_ENTRY_EXTENSIONS: ReadonlySet<string> = new Set([OID.crlReason, OID.invalidityDate]);

const entryIndexes = new WeakMap<CertificateList, Map<string, RevokedCertificate>>();

function findEntry(crl: CertificateList, certificate: Certificate): RevokedCertificate | undefined {
  let index = entryIndexes.get(crl);
  if (index === undefined) {
    index = new Map();
    for (const entry of crl.revokedCertificates) index.set(entry.serialNumberBytes.toString('hex'), entry);
    entryIndexes.set(crl, index);
  }
  return index.get(certificate.serialNumberBytes.toString('hex'));
}

const crlIssuerKeys = new WeakMap<CertificateList, string>();

function crlIssuerKey(crl: CertificateList): string {
  let key = crlIssuerKeys.get(crl);
  if (key === undefined) {
    key = nameKey(crl.issuer);
    crlIssuerKeys.set(crl, key);
  }
  return key;
}

const signatureResults = new WeakMap<CertificateList, Map<string, boolean>>();

function isSignedBy(crl: CertificateList, issuer: Certificate, budget: WorkBudget): boolean {
  let results = signatureResults.get(crl);
  if (results === undefined) {
    results = new Map();
    signatureResults.set(crl, results);
  }
  let isValid = results.get(issuer.fingerprintSha256);
  if (isValid === undefined) {
    budget.signatureCheck();
    isValid = verifyCrlSignature(crl, issuer);
    results.set(issuer.fingerprintSha256, isValid);
  }
  return isValid;
}

function sameNames(a: readonly GeneralName[], b: readonly GeneralName[]): boolean {
  const shown = new Set(a.map(formatGeneralName));
  return b.some((name) => shown.has(formatGeneralName(name)));
}

/**
 * RFC 5280 6.3.3 (b): is the certificate within the CRL's scope? Indirect CRLs and CRLs of
 * attribute certificates are never used (Symbolon's CAs issue their own CRLs). When both the
 * CRL's issuingDistributionPoint and the certificate's cRLDistributionPoints name a point, one
 * name must be shared.
 */
function isInScope(crl: CertificateList, certificate: Certificate): boolean {
  const idp = crl.issuingDistributionPoint;
  if (idp === undefined) return true;
  if (idp.indirectCrl || idp.onlyContainsAttributeCerts) return false;
  const isCa = certificate.basicConstraints?.isCa === true;
  if (idp.onlyContainsUserCerts && isCa) return false;
  if (idp.onlyContainsCaCerts && !isCa) return false;
  if (idp.nameRelativeToCrlIssuer !== undefined) {
    const wanted = JSON.stringify(idp.nameRelativeToCrlIssuer);
    return certificate.distributionPoints.some((point) => point.nameRelativeToCrlIssuer !== undefined && JSON.stringify(point.nameRelativeToCrlIssuer) === wanted);
  }
  if (idp.fullName !== undefined) {
    const named = certificate.distributionPoints.filter((point) => point.fullName !== undefined);
    if (named.length > 0 && !named.some((point) => sameNames(idp.fullName!, point.fullName!))) return false;
  }
  return true;
}

function isCandidate(crl: CertificateList, certificate: Certificate, issuer: Certificate): boolean {
  // RFC 5280 5.2.4: a delta CRL only updates a complete one; Symbolon uses complete CRLs only.
  if (crl.deltaCrlIndicator !== undefined) return false;
  // RFC 5280 6.3.3 (a)-(b), direct CRLs: the CRL issuer is the certificate's issuer...
  if (crlIssuerKey(crl) !== issuerKey(certificate)) return false;
  // ...and 5.2.1: an authorityKeyIdentifier naming another key belongs to another CA key.
  const keyId = crl.authorityKeyIdentifier?.keyIdentifier;
  if (keyId !== undefined && issuer.subjectKeyIdentifier !== undefined && !keyId.equals(issuer.subjectKeyIdentifier)) return false;
  return isInScope(crl, certificate);
}

function crlFailure(crl: CertificateList, issuer: Certificate, index: number, at: Date, budget: WorkBudget, profile: ValidationProfile): PathFailure | undefined {
  const which = `the CRL ${crl.fingerprintSha256.slice(0, 16)} for certificate ${index}`;
  const violation = crlProfileViolation(crl, profile, which);
  if (violation !== undefined) return pathFailure(violation.code, index, violation.detail);
  for (const extension of crl.extensions) {
    if (extension.critical && !PROCESSED_CRL_EXTENSIONS.has(extension.oid)) return pathFailure('PATH_CRL_INVALID', index, `${which} has critical extension ${extension.oid}, which Symbolon does not process`);
  }
  if (crl.signatureAlgorithm === undefined) return pathFailure('PATH_CRL_INVALID', index, `${which} is signed with ${crl.signatureAlgorithmOid}, which Symbolon does not verify`);
  // RFC 5280 6.3.3 (f): the CRL issuer's key usage, when present, allows cRLSign.
  if (issuer.keyUsage !== undefined && !issuer.keyUsage.includes('cRLSign')) return pathFailure('PATH_CRL_INVALID', index, `${which} is signed by a CA certificate whose key usage lacks cRLSign`);
  // RFC 5280 6.3.3 (f)-(g): the signature is the issuer's, checked with the key of the path.
  if (!isSignedBy(crl, issuer, budget)) return pathFailure('PATH_CRL_INVALID', index, `${which} is not signed by the certificate's issuer`);
  const time = at.getTime();
  // RFC 5280 6.3.3 (a)(2) and 5.1.2.4-5: the CRL is current at the validation time.
  if (crl.thisUpdate.getTime() > time) return pathFailure('PATH_CRL_NOT_CURRENT', index, `${which} is issued after the validation time (thisUpdate ${crl.thisUpdate.toISOString()})`);
  if (crl.nextUpdate !== undefined && crl.nextUpdate.getTime() < time) return pathFailure('PATH_CRL_NOT_CURRENT', index, `${which} is out of date (nextUpdate ${crl.nextUpdate.toISOString()})`);
  return undefined;
}

/**
 * RFC 5280 6.3 with the CRLs given, for every certificate below the trust anchor: each CRL of the
 * certificate's issuer in scope must be signed by that issuer, be current, and not list the
 * certificate. A certificate listed anywhere in the path is PATH_REVOKED (certificateHold
 * included; removeFromCRL only appears in delta CRLs, which are not used). Coverage is demanded
 * as `requirement` says.
 */
export function checkRevocation(path: readonly Certificate[], crls: readonly CertificateList[], options: RevocationOptions): RevocationOutcome {
  let nextUpdate: Date | undefined;
  for (let index = 0; index < path.length - 1; index++) {
    const certificate = path[index]!;
    const issuer = path[index + 1]!;
    let isCovered = false;
    for (const crl of crls) {
      if (!isCandidate(crl, certificate, issuer)) continue;
      const failure = crlFailure(crl, issuer, index, options.at, options.budget, options.profile ?? 'strict');
      if (failure !== undefined) return { failure, nextUpdate };
      const entry = findEntry(crl, certificate);
      if (entry !== undefined && entry.reason !== 'removeFromCRL') {
        const critical = entry.extensions.find((extension) => extension.critical && !PROCESSED_ENTRY_EXTENSIONS.has(extension.oid));
        const reason = entry.reason === undefined ? '' : ` (${entry.reason})`;
        const detail = critical === undefined ? `certificate ${index} (serial ${certificate.serialNumber}) was revoked at ${entry.revocationDate.toISOString()}${reason}` : `certificate ${index} is listed in its issuer's CRL with a critical entry extension ${critical.oid}`;
        return { failure: pathFailure('PATH_REVOKED', index, detail), nextUpdate };
      }
      // RFC 5280 6.3.3 (d): a CRL limited to some reasons does not settle the status alone.
      if (crl.issuingDistributionPoint?.onlySomeReasons === undefined) isCovered = true;
      if (crl.nextUpdate !== undefined && (nextUpdate === undefined || crl.nextUpdate < nextUpdate)) nextUpdate = crl.nextUpdate;
    }
    const isRequired = options.requirement === 'chain' || (options.requirement === 'leaf' && index === 0);
    if (isRequired && !isCovered) return { failure: pathFailure('PATH_REVOCATION_UNKNOWN', index, `no current CRL from the issuer of certificate ${index} covers it`), nextUpdate };
  }
  return { failure: undefined, nextUpdate };
}
