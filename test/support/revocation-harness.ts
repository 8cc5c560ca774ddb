import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { createCertificateAuthority, openDataDir } from '../../src/ca/index.js';
import type { CertificateAuthority, DataDir, IssuedCertificate } from '../../src/ca/index.js';
import { createUpHealth, DEFAULT_SERVICES_CONFIG, startRevocationServices, unlockIssuers } from '../../src/services/index.js';
import type { RevocationServices, RevocationServicesConfig } from '../../src/services/index.js';
import { generateKeyPair } from '../../src/keys/index.js';
import { decodeDer } from '../../src/asn1/index.js';
import { parsePublicKeyInfo, toPem } from '../../src/x509/index.js';
import { CA_PASSPHRASE, copyCa } from '../ca/support.js';

export interface Harness {
  readonly dir: string;
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  readonly ca: CertificateAuthority;
  /** PEM files: root.pem, intermediate.pem. */
  readonly rootPem: string;
  readonly intermediatePem: string;
  issue(name: string, profile?: string): Promise<{ issued: IssuedCertificate; certPem: string; keyPem: string; chainPem: string }>;
  close(): Promise<void>;
}

/** A copy of the template CA with CRL, OCSP and the feed running on 127.0.0.1, port 0. */
export function startHarness(template: string, work: string, overrides: Partial<RevocationServicesConfig> = {}): Promise<Harness> {
  return startHarnessIn(copyCa(template, work), overrides);
}

/**
 * The services of the CA in `dir` itself, not a copy: a second one on the directory of a running
 * harness is a second node of the same CA (its own connection to the same database, as another
 * `symbolon up` process would have).
 */
export async function startHarnessIn(dir: string, overrides: Partial<RevocationServicesConfig> = {}): Promise<Harness> {
  const dataDir = await openDataDir(dir, { actor: 'test', now: new Date() });
  const { unlocked } = await unlockIssuers(dataDir, CA_PASSPHRASE);
  const errors: unknown[] = [];
  const services = await startRevocationServices({
    health: createUpHealth(),
    dataDir,
    issuers: unlocked,
    config: { ...DEFAULT_SERVICES_CONFIG, listen: { host: '127.0.0.1', port: 0 }, tlsListen: { host: '127.0.0.1', port: 0 }, ...overrides },
    clock: () => new Date(),
    actor: 'test',
    onError: (error) => errors.push(error),
  });
  const active = unlocked.find((issuer) => issuer.id === dataDir.activeIssuer.id)!;
  const ca = createCertificateAuthority({
    store: services.store,
    config: dataDir.config,
    issuer: active,
    clock: () => new Date(),
    random: randomBytes,
  });
  const rootPem = join(dir, 'root.pem');
  const intermediatePem = join(dir, 'intermediate.pem');
  writeFileSync(rootPem, toPem('CERTIFICATE', dataDir.root.der));
  writeFileSync(intermediatePem, toPem('CERTIFICATE', active.certificate.der));
  let count = 0;
  return {
    dir,
    dataDir,
    services,
    ca,
    rootPem,
    intermediatePem,
    async issue(name: string, profile = 'client') {
      const keys = await generateKeyPair('p256');
      const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
      const issued = await ca.issue(
        {
          subject: [[{ type: '2.5.4.3', value: name }]],
          subjectAltNames: [],
          publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED'),
          spki,
        },
        { profile, actor: 'test' },
      );
      const base = join(dir, `leaf-${++count}`);
      writeFileSync(`${base}.crt`, toPem('CERTIFICATE', issued.der));
      writeFileSync(`${base}.key`, keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
      writeFileSync(`${base}.chain.pem`, toPem('CERTIFICATE', issued.der) + toPem('CERTIFICATE', issued.chain[0]!));
      return { issued, certPem: `${base}.crt`, keyPem: `${base}.key`, chainPem: `${base}.chain.pem` };
    },
    async close() {
      await services.close();
      await dataDir.close();
      if (errors.length > 0) throw new AggregateError(errors, `the services reported ${errors.length} error(s)`);
    },
  };
}

/** Runs a command with a deadline; never throws for a non-zero exit. */
export function runTool(
  command: string,
  args: readonly string[],
  timeoutMs = 20_000,
): Promise<{ code: number | null; output: string; stdout: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.on('error', reject);
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, output: stdout + stderr, stdout });
    });
  });
}
