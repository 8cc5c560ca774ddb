import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { createSigner } from '../../../src/keys/index.js';
import type { Signer } from '../../../src/keys/index.js';
import {
  buildCertificate,
  buildCrl,
  buildSelfSignedCertificate,
  parseCertificate,
  parseName,
  randomSerialNumber,
} from '../../../src/x509/index.js';
import type { Certificate, CertificateTemplate, RevokedEntry } from '../../../src/x509/index.js';

/** A CA made with Symbolon's builders: its certificate and signer. */
export interface TestCa {
  readonly certificate: Certificate;
  readonly signer: Signer;
  readonly privateKey: KeyObject;
}

const NOT_BEFORE = new Date(Date.now() - 86_400_000);
const NOT_AFTER = new Date(Date.now() + 30 * 86_400_000);

export async function makeCa(name: string): Promise<TestCa> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const signer = createSigner(keys.privateKey);
  const der = await buildSelfSignedCertificate(
    {
      serialNumber: randomSerialNumber(randomBytes),
      subject: parseName(`CN=${name},O=Test`),
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      basicConstraints: { isCa: true },
      keyUsage: ['keyCertSign', 'cRLSign'],
    },
    signer,
  );
  return { certificate: parseCertificate(der), signer, privateKey: keys.privateKey };
}

/** A certificate `ca` signs with `overrides` (an OCSP responder's, say). */
export async function issueUnder(
  ca: TestCa,
  subject: string,
  overrides: Partial<CertificateTemplate> = {},
  signer: Signer = ca.signer,
): Promise<{ certificate: Certificate; privateKey: KeyObject }> {
  const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const der = await buildCertificate(
    {
      serialNumber: randomSerialNumber(randomBytes),
      issuer: ca.certificate.subjectDer,
      subject: parseName(`CN=${subject}`),
      notBefore: NOT_BEFORE,
      notAfter: NOT_AFTER,
      subjectPublicKey: keys.publicKey,
      authorityKeyIdentifier: ca.certificate.subjectKeyIdentifier!,
      keyUsage: ['digitalSignature'],
      extKeyUsage: ['clientAuth'],
      ...overrides,
    },
    signer,
  );
  return { certificate: parseCertificate(der), privateKey: keys.privateKey };
}

export async function makeLeaf(ca: TestCa, subject = 'client'): Promise<Certificate> {
  return (await issueUnder(ca, subject)).certificate;
}

/** A complete CRL of `ca` listing `revoked`, signed by `signer` (the CA's own unless given). */
export async function makeCrl(
  ca: TestCa,
  revoked: readonly Certificate[],
  times: { thisUpdate: Date; nextUpdate: Date },
  signer: Signer = ca.signer,
): Promise<Buffer> {
  const entries: RevokedEntry[] = revoked.map((certificate) => ({
    serialNumber: certificate.serialNumber,
    revocationDate: times.thisUpdate,
    reason: 'keyCompromise',
  }));
  return buildCrl(
    {
      issuer: ca.certificate.subjectDer,
      thisUpdate: times.thisUpdate,
      nextUpdate: times.nextUpdate,
      crlNumber: Math.floor(times.thisUpdate.getTime() / 1000),
      authorityKeyIdentifier: ca.certificate.subjectKeyIdentifier!,
      revokedCertificates: entries,
    },
    signer,
  );
}
