import type { Certificate } from '../../x509/index.js';
import { OID } from '../../x509/index.js';

/** What the leaf will be used for: a TLS client, a TLS server, or anything. */
export type PathPurpose = 'client' | 'server' | 'any';

const PURPOSE_OID: Readonly<Record<PathPurpose, string | undefined>> = {
  client: OID.clientAuth,
  server: OID.serverAuth,
  any: undefined,
};

export interface UsageViolation {
  readonly certificateIndex: number;
  readonly detail: string;
}

/**
 * Extended key usage along the path (leaf first, anchor last).
 *
 * The leaf (RFC 5280 4.2.1.12): without the extension it may serve any purpose; with it, a
 * client or server purpose must be listed by name. anyExtendedKeyUsage alone does not do for a
 * TLS purpose: RFC 5280 lets an application require the specific purpose, OpenSSL's sslclient
 * and sslserver purposes do, and CA/Browser Forum certificates never carry it.
 *
 * CA certificates: RFC 5280 does not say what an EKU in a CA certificate means. This validator
 * follows "EKU chaining" as Mozilla, Microsoft and OpenSSL (its purpose checks on CA
 * certificates) apply it and as the CA/Browser Forum requirements assume: an EKU in a CA
 * certificate restricts what that CA may vouch for below it, so the requested purpose must be in
 * every CA's EKU that has one (anyExtendedKeyUsage there lifts the restriction). It refuses only
 * chains RFC 5280 would accept, never the reverse, and it is what makes a CA restricted to
 * clientAuth unable to mint TLS server certificates. For purpose `any`, the leaf's usages must
 * still meet every CA's restriction in at least one purpose.
 */
export function extendedKeyUsageViolation(path: readonly Certificate[], purpose: PathPurpose): UsageViolation | undefined {
  const wanted = PURPOSE_OID[purpose];
  let allowed: Set<string> | undefined;
  for (let i = path.length - 1; i >= 1; i--) {
    const usages = path[i]!.extKeyUsage;
    if (usages === undefined || usages.includes(OID.anyExtendedKeyUsage)) continue;
    if (wanted !== undefined && !usages.includes(wanted)) {
      return {
        certificateIndex: i,
        detail: `CA certificate ${i} restricts its chain to extended key usages that do not include ${purpose} authentication`,
      };
    }
    const above = allowed;
    allowed = above === undefined ? new Set(usages) : new Set(usages.filter((usage) => above.has(usage)));
    if (allowed.size === 0)
      return { certificateIndex: i, detail: `the extended key usages of the CA certificates above ${i} have no purpose in common` };
  }
  const leafUsages = path[0]!.extKeyUsage;
  if (wanted !== undefined) {
    if (leafUsages !== undefined && !leafUsages.includes(wanted))
      return { certificateIndex: 0, detail: `the certificate's extended key usage does not include ${purpose} authentication` };
    return undefined;
  }
  if (
    allowed !== undefined &&
    leafUsages !== undefined &&
    !leafUsages.includes(OID.anyExtendedKeyUsage) &&
    !leafUsages.some((usage) => allowed.has(usage))
  ) {
    return { certificateIndex: 0, detail: 'the certificate has no extended key usage that its CA certificates allow' };
  }
  return undefined;
}
