import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { CertificateFiles } from './e2e-env.js';

/** A CA made with the openssl command line, outside Symbolon: a partner's or a vendor's. */
export interface OpensslCa {
  readonly name: string;
  /** The CA certificate (PEM) and its key (PKCS#8 PEM). */
  readonly cert: string;
  readonly key: string;
  /**
   * Signs a client certificate with these subjectAltName and returns its files: clientAuth, or
   * these usage extension lines instead (a legacy CA's leaf without extendedKeyUsage, say).
   */
  issueClient(name: string, subjectAltName: string, usages?: readonly string[]): CertificateFiles;
  /** Signs a subordinate CA with these extra extension lines (nameConstraints, say). */
  subordinate(name: string, extensions: readonly string[]): OpensslCa;
}

function openssl(dir: string, args: readonly string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'], timeout: 20_000 });
}

function newKey(dir: string, name: string): void {
  openssl(dir, ['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', `${name}.sec1`]);
  openssl(dir, ['pkcs8', '-topk8', '-nocrypt', '-in', `${name}.sec1`, '-out', `${name}.key`]);
}

function signed(dir: string, issuer: string, name: string, subject: string, extensions: readonly string[]): void {
  newKey(dir, name);
  openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', subject, '-out', `${name}.csr`]);
  writeFileSync(join(dir, `${name}.ext`), extensions.join('\n') + '\n');
  openssl(dir, [
    'x509',
    '-req',
    '-in',
    `${name}.csr`,
    '-CA',
    `${issuer}.pem`,
    '-CAkey',
    `${issuer}.key`,
    '-CAcreateserial',
    '-days',
    '10',
    '-extfile',
    `${name}.ext`,
    '-out',
    `${name}.pem`,
  ]);
}

function caOf(dir: string, name: string, chain: readonly string[]): OpensslCa {
  return {
    name,
    cert: join(dir, `${name}.pem`),
    key: join(dir, `${name}.key`),
    issueClient(leaf, subjectAltName, usages = ['keyUsage=critical,digitalSignature', 'extendedKeyUsage=clientAuth']) {
      signed(dir, name, leaf, `/CN=${leaf}`, ['basicConstraints=critical,CA:FALSE', ...usages, `subjectAltName=${subjectAltName}`]);
      const chainFile = join(dir, `${leaf}.chain.pem`);
      writeFileSync(chainFile, [join(dir, `${leaf}.pem`), ...chain].map((file) => readFileSync(file, 'utf8')).join(''));
      return { cert: join(dir, `${leaf}.pem`), key: join(dir, `${leaf}.key`), chain: chainFile, serial: '', fingerprint: '' };
    },
    subordinate(sub, extensions) {
      signed(dir, name, sub, `/CN=${sub}`, [
        'basicConstraints=critical,CA:TRUE,pathlen:0',
        'keyUsage=critical,keyCertSign,cRLSign',
        ...extensions,
      ]);
      return caOf(dir, sub, [join(dir, `${sub}.pem`), ...chain]);
    },
  };
}

/** A self-signed P-256 root named `name`, its files in `dir`. */
export function opensslRoot(dir: string, name: string): OpensslCa {
  newKey(dir, name);
  openssl(dir, [
    'req',
    '-x509',
    '-new',
    '-key',
    `${name}.key`,
    '-subj',
    `/CN=${name}`,
    '-days',
    '30',
    '-out',
    `${name}.pem`,
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  return caOf(dir, name, []);
}
