import type { Signer } from '../../keys/index.js';
import { buildCertificate, buildSelfSignedCertificate, keyIdentifier } from '../../x509/index.js';
import type { Certificate, DistinguishedName, GeneralName, NameConstraints } from '../../x509/index.js';
import { newSerialNumber } from '../serial.js';

/** Root lifetime by default: 10 years. */
export const ROOT_LIFETIME_SECONDS = 10 * 365 * 86_400;
/** Intermediate lifetime by default: 5 years, and never past the root. */
export const INTERMEDIATE_LIFETIME_SECONDS = 5 * 365 * 86_400;

/** Name constraints for an intermediate: permitted DNS suffixes and a SPIFFE trust domain. */
export interface IntermediateConstraints {
  /** `example.com` permits example.com and every name under it (RFC 5280 4.2.1.10). */
  readonly permittedDnsSuffixes?: readonly string[];
  /** Permits `spiffe://<trust domain>/...` URIs: RFC 5280 4.2.1.10 URI constraints match the host. */
  readonly spiffeTrustDomain?: string;
}

/** The root's subject: `O=<name>, CN=<name> Root CA`. */
export function rootSubject(name: string): DistinguishedName {
  return [[{ type: '2.5.4.10', value: name }], [{ type: '2.5.4.3', value: `${name} Root CA` }]];
}

/** The subject of the n-th intermediate: `O=<name>, CN=<name> Intermediate CA <n>`. */
export function intermediateSubject(name: string, n: number): DistinguishedName {
  return [[{ type: '2.5.4.10', value: name }], [{ type: '2.5.4.3', value: `${name} Intermediate CA ${n}` }]];
}

/**
 * DER of a self-signed root CA certificate: basicConstraints cA with pathLen 1 (one intermediate
 * level), keyCertSign and cRLSign (RFC 5280 4.2.1.3, 4.2.1.9).
 */
export async function buildRootCertificate(options: {
  readonly subject: DistinguishedName;
  readonly signer: Signer;
  readonly now: Date;
  readonly random: (size: number) => Uint8Array;
  readonly lifetimeSeconds?: number;
}): Promise<Buffer> {
  return buildSelfSignedCertificate(
    {
      serialNumber: newSerialNumber(options.random).bytes,
      subject: options.subject,
      notBefore: options.now,
      notAfter: new Date(options.now.getTime() + (options.lifetimeSeconds ?? ROOT_LIFETIME_SECONDS) * 1000),
      basicConstraints: { isCa: true, pathLenConstraint: 1 },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    options.signer,
  );
}

function nameConstraints(constraints: IntermediateConstraints | undefined): NameConstraints | undefined {
  const permitted: GeneralName[] = [];
  for (const suffix of constraints?.permittedDnsSuffixes ?? []) permitted.push({ type: 'dns', value: suffix.replace(/^\.+/, '') });
  if (constraints?.spiffeTrustDomain !== undefined) permitted.push({ type: 'uri', value: constraints.spiffeTrustDomain });
  return permitted.length === 0 ? undefined : { permitted, excluded: [] };
}

/**
 * DER of an intermediate CA certificate signed by the root: pathLen 0 (it issues end entities
 * only), keyCertSign and cRLSign, optional name constraints, never outliving the root.
 */
export async function buildIntermediateCertificate(options: {
  readonly subject: DistinguishedName;
  readonly subjectPublicKey: Buffer;
  readonly root: Certificate;
  readonly rootSigner: Signer;
  readonly now: Date;
  readonly random: (size: number) => Uint8Array;
  readonly lifetimeSeconds?: number;
  readonly constraints?: IntermediateConstraints;
  /** Where the root's CRL is published (RFC 5280 4.2.1.13), so relying parties can check the intermediate. */
  readonly crlDistributionPoint?: string;
}): Promise<Buffer> {
  const wanted = options.now.getTime() + (options.lifetimeSeconds ?? INTERMEDIATE_LIFETIME_SECONDS) * 1000;
  const constraints = nameConstraints(options.constraints);
  return buildCertificate(
    {
      serialNumber: newSerialNumber(options.random).bytes,
      issuer: options.root.subjectDer,
      subject: options.subject,
      notBefore: options.now,
      notAfter: new Date(Math.min(wanted, options.root.notAfter.getTime())),
      subjectPublicKey: options.subjectPublicKey,
      basicConstraints: { isCa: true, pathLenConstraint: 0 },
      keyUsage: ['keyCertSign', 'cRLSign'],
      authorityKeyIdentifier: options.root.subjectKeyIdentifier ?? keyIdentifier(options.root.spki),
      ...(constraints === undefined ? {} : { nameConstraints: constraints }),
      ...(options.crlDistributionPoint === undefined ? {} : { crlDistributionPoints: [options.crlDistributionPoint] }),
    },
    options.rootSigner,
  );
}
