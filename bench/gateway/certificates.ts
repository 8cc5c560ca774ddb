import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/** The files both servers and the load generator are given, all in the work directory. */
export interface BenchCertificates {
  /** Server leaf then intermediate. */
  readonly serverChain: string;
  readonly serverKey: string;
  /** Client leaf then intermediate: the client sends the intermediate. */
  readonly clientChain: string;
  readonly clientKey: string;
  /** The root alone: what both servers trust for client certificates. */
  readonly clientCa: string;
  /** The root, to check the servers' certificates. */
  readonly rootCa: string;
}

function openssl(args: readonly string[]): void {
  const result = spawnSync('openssl', args, { encoding: 'utf8' });
  if (result.error !== undefined || result.status !== 0)
    throw new Error(`openssl ${args.join(' ')} failed: ${result.error?.message ?? result.stderr}`);
}

/**
 * Makes a P-256 PKI with OpenSSL in `work`: root -> intermediate -> server leaf (SAN 127.0.0.1,
 * localhost; serverAuth) and client leaf (SPIFFE URI SAN; clientAuth), each valid for a day.
 */
export function makeCertificates(work: string): BenchCertificates {
  const extensions = fileURLToPath(new URL('certificates.cnf', import.meta.url));
  const file = (name: string): string => join(work, name);
  const newKey = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:P-256', '-nodes'];
  openssl([
    'req',
    '-x509',
    ...newKey,
    '-keyout',
    file('root.key'),
    '-out',
    file('root.pem'),
    '-days',
    '2',
    '-subj',
    '/O=Symbolon Bench/CN=Bench Root CA',
    '-addext',
    'basicConstraints=critical,CA:TRUE',
    '-addext',
    'keyUsage=critical,keyCertSign,cRLSign',
  ]);
  const issue = (name: string, subject: string, section: string, caName: string): void => {
    openssl(['req', '-new', ...newKey, '-keyout', file(`${name}.key`), '-out', file(`${name}.csr`), '-subj', subject]);
    openssl([
      'x509',
      '-req',
      '-in',
      file(`${name}.csr`),
      '-CA',
      file(`${caName}.pem`),
      '-CAkey',
      file(`${caName}.key`),
      '-set_serial',
      `0x${Date.now().toString(16)}${name.length}`,
      '-days',
      '1',
      '-sha256',
      '-extfile',
      extensions,
      '-extensions',
      section,
      '-out',
      file(`${name}.pem`),
    ]);
  };
  issue('intermediate', '/O=Symbolon Bench/CN=Bench Intermediate CA', 'intermediate', 'root');
  issue('server', '/O=Symbolon Bench/CN=localhost', 'server', 'intermediate');
  issue('client', '/O=Symbolon Bench/OU=loadgen/CN=bench-client', 'client', 'intermediate');
  const intermediate = readFileSync(file('intermediate.pem'), 'utf8');
  writeFileSync(file('server-chain.pem'), readFileSync(file('server.pem'), 'utf8') + intermediate);
  writeFileSync(file('client-chain.pem'), readFileSync(file('client.pem'), 'utf8') + intermediate);
  writeFileSync(file('client-ca.pem'), readFileSync(file('root.pem'), 'utf8'));
  return {
    serverChain: file('server-chain.pem'),
    serverKey: file('server.key'),
    clientChain: file('client-chain.pem'),
    clientKey: file('client.key'),
    clientCa: file('client-ca.pem'),
    rootCa: file('root.pem'),
  };
}
