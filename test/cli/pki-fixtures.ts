import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

/** A fresh temporary directory, and a function that removes it. */
export function makeTempDir(): { readonly path: string; readonly remove: () => void } {
  const path = mkdtempSync(join(tmpdir(), 'symbolon-cli-'));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface OpensslResult {
  readonly status: number | null;
  readonly stdout: Buffer;
  /** Standard output and standard error as text: OpenSSL 3.0 reports some outcomes on either. */
  readonly text: string;
}

/** Runs openssl in `cwd` with standard input closed, so it never waits for a passphrase prompt. */
export function openssl(cwd: string, args: readonly string[]): OpensslResult {
  const result = spawnSync('openssl', args, { cwd, input: '', timeout: 30_000 });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, text: result.stdout.toString('utf8') + result.stderr.toString('utf8') };
}

/** Runs openssl and fails the test unless it exits 0. */
export function opensslOk(cwd: string, args: readonly string[]): Buffer {
  const result = openssl(cwd, args);
  assert.equal(result.status, 0, `openssl ${args.join(' ')} failed: ${result.text}`);
  return result.stdout;
}

/** SHA-256 (lowercase hex) of the SubjectPublicKeyInfo of a key or CSR file, as OpenSSL computes it. */
export function opensslSpkiSha256(cwd: string, file: string, kind: 'key' | 'csr' | 'cert' = 'key', passphrase?: string): string {
  let pem: Buffer;
  if (kind === 'csr') pem = opensslOk(cwd, ['req', '-in', file, '-noout', '-pubkey']);
  else if (kind === 'cert') pem = opensslOk(cwd, ['x509', '-in', file, '-noout', '-pubkey']);
  else pem = opensslOk(cwd, ['pkey', '-in', file, '-pubout', ...(passphrase === undefined ? [] : ['-passin', `pass:${passphrase}`])]);
  writeFileSync(join(cwd, 'spki.tmp.pem'), pem);
  const der = opensslOk(cwd, ['pkey', '-pubin', '-in', 'spki.tmp.pem', '-outform', 'DER']);
  return createHash('sha256').update(der).digest('hex');
}

/** The value `openssl x509 -noout <options>` prints after its `=`, such as the serial (`serial=0A1B...`). */
export function opensslCertField(cwd: string, file: string, ...options: string[]): string {
  const line = opensslOk(cwd, ['x509', '-in', file, '-noout', ...options])
    .toString('utf8')
    .trim();
  return line.slice(line.indexOf('=') + 1);
}

export const PASSPHRASE = 'correct horse battery';

/**
 * A three-level PKI made by OpenSSL in `dir`: root (P-384) -> intermediate (RSA 2048, name
 * constraints) -> leaf (P-256, every extension inspect shows), and the files the tests read:
 * chain.pem, leaf.der, leaf.csr (+ .der), leaf.key (PKCS#8), leaf.enc.key, leaf.pub, sec1.key,
 * rsa.key (PKCS#1), pass.txt.
 */
export function makeOpensslPki(dir: string): void {
  const run = (args: readonly string[]): Buffer => opensslOk(dir, args);
  run([
    'req',
    '-x509',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-384',
    '-nodes',
    '-keyout',
    'root.key',
    '-subj',
    '/C=US/O=Acme/CN=Acme Root',
    '-days',
    '3650',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
    '-out',
    'root.pem',
  ]);
  run(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'int.key', '-subj', '/O=Acme/CN=Acme Intermediate', '-out', 'int.csr']);
  writeFileSync(
    join(dir, 'int.ext'),
    'basicConstraints=critical,CA:TRUE,pathlen:0\nkeyUsage=critical,keyCertSign,cRLSign\n' +
      'nameConstraints=critical,permitted;DNS:.acme.example,excluded;IP:10.0.0.0/255.0.0.0\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    'int.csr',
    '-CA',
    'root.pem',
    '-CAkey',
    'root.key',
    '-set_serial',
    '0x1001',
    '-days',
    '1000',
    '-extfile',
    'int.ext',
    '-out',
    'int.pem',
  ]);
  run([
    'req',
    '-newkey',
    'ec',
    '-pkeyopt',
    'ec_paramgen_curve:P-256',
    '-nodes',
    '-keyout',
    'leaf.key',
    '-subj',
    '/O=Acme/CN=api.acme.example',
    '-out',
    'leaf.csr',
  ]);
  writeFileSync(
    join(dir, 'leaf.ext'),
    'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth,clientAuth,1.3.6.1.5.5.7.3.17\n' +
      'subjectAltName=DNS:api.acme.example,DNS:www.acme.example,IP:192.0.2.1,IP:2001:db8::1,URI:spiffe://acme.example/ns/prod/sa/api,email:ops@acme.example\n' +
      'crlDistributionPoints=URI:http://crl.acme.example/int.crl\nauthorityInfoAccess=OCSP;URI:http://ocsp.acme.example,caIssuers;URI:http://acme.example/int.cer\n' +
      'certificatePolicies=2.23.140.1.2.1,1.3.6.1.4.1.99999.1\nsubjectKeyIdentifier=hash\nauthorityKeyIdentifier=keyid\n',
  );
  run([
    'x509',
    '-req',
    '-in',
    'leaf.csr',
    '-CA',
    'int.pem',
    '-CAkey',
    'int.key',
    '-set_serial',
    '0x0a1b2c3d4e5f60718293',
    '-days',
    '30',
    '-extfile',
    'leaf.ext',
    '-out',
    'leaf.pem',
  ]);
  writeFileSync(join(dir, 'chain.pem'), ['leaf.pem', 'int.pem', 'root.pem'].map((file) => readFileSync(join(dir, file), 'utf8')).join(''));
  run(['x509', '-in', 'leaf.pem', '-outform', 'DER', '-out', 'leaf.der']);
  run(['req', '-in', 'leaf.csr', '-outform', 'DER', '-out', 'leaf.csr.der']);
  run(['pkcs8', '-topk8', '-in', 'leaf.key', '-v2', 'aes-256-cbc', '-passout', `pass:${PASSPHRASE}`, '-out', 'leaf.enc.key']);
  run(['pkey', '-in', 'leaf.key', '-pubout', '-out', 'leaf.pub']);
  run(['ec', '-in', 'leaf.key', '-out', 'sec1.key']);
  run(['rsa', '-in', 'int.key', '-traditional', '-out', 'rsa.key']);
  writeFileSync(join(dir, 'pass.txt'), `${PASSPHRASE}\n`);
}
