import { createHash, generateKeyPairSync, randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { revokeCertificate } from '../../../../src/ca/index.js';
import { decodeDer } from '../../../../src/asn1/index.js';
import { generateKeyPair } from '../../../../src/keys/index.js';
import { createSigner } from '../../../../src/keys/signer.js';
import {
  buildCertificate,
  buildSelfSignedCertificate,
  parseName,
  parsePublicKeyInfo,
  randomSerialNumber,
  toPem,
} from '../../../../src/x509/index.js';
import type { ExtendedKeyUsage, GeneralName } from '../../../../src/x509/index.js';
import { makeTempDir, makeTemplateCa } from '../../../ca/support.js';
import { startHarness } from '../../../support/revocation-harness.js';
import type { Harness } from '../../../support/revocation-harness.js';

/** A client (or server) certificate on disk, as the TLS tools take it. */
export interface CertificateFiles {
  /** The leaf alone (PEM). */
  readonly cert: string;
  readonly key: string;
  /** Leaf then intermediate (PEM): what a client sends. */
  readonly chain: string;
  /** Lowercase hex, as the store records it. */
  readonly serial: string;
  /** SHA-256 of the leaf's DER, lowercase hex. */
  readonly fingerprint: string;
}

export interface IssueClientOptions {
  readonly profile?: string;
  readonly sans?: readonly GeneralName[];
  /** Leave out the subject CN (SPIFFE SVIDs). */
  readonly isSubjectEmpty?: boolean;
}

/** A CA (copy of a template made once per file) with its CRL, OCSP and feed services, and the gateway's server certificate. */
export interface E2eEnv {
  readonly dir: string;
  readonly h: Harness;
  /** The root alone: the gateway's trust bundle and the clients' CA file. */
  readonly rootPem: string;
  readonly intermediatePem: string;
  /** A `gateway` profile certificate for localhost and 127.0.0.1 (serverAuth + clientAuth: it also reads the feed). */
  readonly server: CertificateFiles;
  /** For `startGateway`: the harness's feed in process. */
  readonly inProcessFeed: { readonly feed: Harness['services']['feed']; readonly issuerKeyId: (issuerId: string) => string | undefined };
  issue(name: string, options?: IssueClientOptions): Promise<CertificateFiles>;
  /** A certificate signed by the real intermediate with dates and usages the CA would refuse to issue. */
  forge(
    name: string,
    options: { readonly notBefore: Date; readonly notAfter: Date; readonly extKeyUsage?: readonly ExtendedKeyUsage[] },
  ): Promise<CertificateFiles>;
  /** A client certificate from a self-signed CA the gateway does not trust. */
  foreign(name: string): Promise<CertificateFiles>;
  revoke(files: CertificateFiles): Promise<void>;
  close(): Promise<void>;
}

const DAY_MS = 86_400_000;
let counter = 0;

function fingerprintOf(der: Buffer): string {
  return createHash('sha256').update(der).digest('hex');
}

/** Starts the CA services in a fresh temporary directory. Remove it with `close()`. */
export async function startE2eEnv(prefix: string): Promise<E2eEnv> {
  const tmp = makeTempDir(`symbolon-e2e-${prefix}-`);
  const template = await makeTemplateCa(join(tmp.path, 'template-root'));
  const h = await startHarness(template, join(tmp.path, 'work'));
  const intermediate = h.ca.issuer;

  const write = (name: string, der: Buffer, keyPem: string, chainDer: readonly Buffer[]): CertificateFiles => {
    const base = join(h.dir, `${name.replace(/[^a-z0-9-]/gi, '_')}-${++counter}`);
    const leafPem = toPem('CERTIFICATE', der);
    writeFileSync(`${base}.crt`, leafPem);
    writeFileSync(`${base}.key`, keyPem);
    writeFileSync(`${base}.chain.pem`, leafPem + chainDer.map((item) => toPem('CERTIFICATE', item)).join(''));
    return { cert: `${base}.crt`, key: `${base}.key`, chain: `${base}.chain.pem`, serial: '', fingerprint: fingerprintOf(der) };
  };

  const issue = async (name: string, options: IssueClientOptions = {}): Promise<CertificateFiles> => {
    const keys = await generateKeyPair('p256');
    const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
    const issued = await h.ca.issue(
      {
        subject: options.isSubjectEmpty === true ? [] : [[{ type: '2.5.4.3', value: name }]],
        subjectAltNames: options.sans ?? [],
        publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED'),
        spki,
      },
      { profile: options.profile ?? 'client', actor: 'test' },
    );
    const files = write(name, issued.der, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), [issued.chain[0]!]);
    return { ...files, serial: issued.record.serial };
  };

  const server = await issue('localhost', {
    profile: 'gateway',
    sans: [
      { type: 'dns', value: 'localhost' },
      { type: 'ip', value: '127.0.0.1' },
    ],
  });

  return {
    dir: h.dir,
    h,
    rootPem: h.rootPem,
    intermediatePem: h.intermediatePem,
    server,
    inProcessFeed: { feed: h.services.feed, issuerKeyId: (issuerId) => h.services.issuerKeyId(issuerId) },
    issue,
    async forge(name, options) {
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = await buildCertificate(
        {
          serialNumber: randomSerialNumber(randomBytes),
          issuer: intermediate.nameDer,
          subject: parseName(`CN=${name}`),
          notBefore: options.notBefore,
          notAfter: options.notAfter,
          subjectPublicKey: keys.publicKey,
          authorityKeyIdentifier: intermediate.keyIdentifier,
          keyUsage: ['digitalSignature'],
          extKeyUsage: options.extKeyUsage ?? ['clientAuth'],
        },
        intermediate.signer,
      );
      return write(name, der, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), [intermediate.certificate.der]);
    },
    async foreign(name) {
      const caKeys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const caSigner = createSigner(caKeys.privateKey);
      const now = Date.now();
      const caDer = await buildSelfSignedCertificate(
        {
          serialNumber: randomSerialNumber(randomBytes),
          subject: parseName('CN=Foreign Root,O=Elsewhere'),
          notBefore: new Date(now - DAY_MS),
          notAfter: new Date(now + 30 * DAY_MS),
          basicConstraints: { isCa: true },
          keyUsage: ['keyCertSign', 'cRLSign'],
        },
        caSigner,
      );
      const keys = generateKeyPairSync('ec', { namedCurve: 'P-256' });
      const der = await buildCertificate(
        {
          serialNumber: randomSerialNumber(randomBytes),
          issuer: parseName('CN=Foreign Root,O=Elsewhere'),
          subject: parseName(`CN=${name}`),
          notBefore: new Date(now - DAY_MS),
          notAfter: new Date(now + 30 * DAY_MS),
          subjectPublicKey: keys.publicKey,
          keyUsage: ['digitalSignature'],
          extKeyUsage: ['clientAuth'],
        },
        caSigner,
      );
      return write(name, der, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), [caDer]);
    },
    async revoke(files) {
      await revokeCertificate(h.services.store, { issuerId: intermediate.id, serial: files.serial }, 'keyCompromise', {
        actor: 'test',
        now: new Date(),
      });
    },
    async close() {
      try {
        await h.close();
      } finally {
        tmp.remove();
      }
    },
  };
}

export function readText(path: string): string {
  return readFileSync(path, 'utf8');
}
