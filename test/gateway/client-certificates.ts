import { generateKeyPairSync, randomBytes } from 'node:crypto';
import { createSigner } from '../../src/keys/signer.js';
import { buildCertificate, parseCertificate, parseName, randomSerialNumber } from '../../src/x509/index.js';
import type { Certificate, CertificateTemplate, GeneralName } from '../../src/x509/index.js';

const issuerKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
const subjectKey = generateKeyPairSync('ec', { namedCurve: 'P-256' }).publicKey;
const signer = createSigner(issuerKeys.privateKey);
const NOT_BEFORE = new Date('2026-01-01T00:00:00Z');
const NOT_AFTER = new Date('2027-01-01T00:00:00Z');

export interface ClientCertificateOptions {
  readonly subject?: string;
  readonly issuer?: string;
  readonly sans?: readonly GeneralName[];
  readonly policies?: readonly string[];
}

/** A client certificate built with Symbolon's builder and parsed back, as the gateway sees it. */
export async function clientCertificate(options: ClientCertificateOptions = {}): Promise<Certificate> {
  const template: CertificateTemplate = {
    serialNumber: randomSerialNumber(randomBytes),
    issuer: parseName(options.issuer ?? 'CN=Test Issuing CA,O=Acme'),
    subject: parseName(options.subject ?? 'CN=client,OU=payments,O=Acme'),
    notBefore: NOT_BEFORE,
    notAfter: NOT_AFTER,
    subjectPublicKey: subjectKey,
    keyUsage: ['digitalSignature'],
    extKeyUsage: ['clientAuth'],
    ...(options.sans === undefined ? {} : { subjectAltName: options.sans }),
    ...(options.policies === undefined ? {} : { certificatePolicies: options.policies.map((policyId) => ({ policyId })) }),
  };
  return parseCertificate(await buildCertificate(template, signer));
}
