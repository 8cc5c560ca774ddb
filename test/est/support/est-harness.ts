import { generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { join } from 'node:path';
import { mountEst } from '../../../src/services/index.js';
import { enrollmentTokenKey } from '../../../src/est/index.js';
import { createEnrollmentToken } from '../../../src/est/index.js';
import type { TokenRequest } from '../../../src/est/index.js';
import { createSigner } from '../../../src/keys/index.js';
import { buildCsr, toPem } from '../../../src/x509/index.js';
import type { CsrTemplate } from '../../../src/x509/index.js';
import { startHarness, startHarnessIn } from '../../support/revocation-harness.js';
import type { Harness } from '../../support/revocation-harness.js';
import type { RevocationServicesConfig } from '../../../src/services/index.js';

export interface EstHarness {
  readonly h: Harness;
  /** `https://127.0.0.1:port/.well-known/est` */
  readonly url: string;
  readonly port: number;
  /** PEM of the root and the intermediate, for curl's --cacert and openssl verify. */
  readonly caFile: string;
  token(request?: Partial<TokenRequest>, now?: Date): Promise<{ id: string; secret: string }>;
  /** The errors EST reported (its 500s) since the last call, which `close` then no longer throws. */
  takeErrors(): unknown[];
  close(): Promise<void>;
}

/** The revocation harness (a copy of `template`) with EST mounted on its service listener, as `up` does. */
export async function startEstHarness(
  template: string,
  work: string,
  overrides: Partial<RevocationServicesConfig> = {},
): Promise<EstHarness> {
  return mountEstOn(await startHarness(template, work, overrides));
}

/** A second EST node of the CA of a running harness: the same data directory and database, its own store connection and listener. */
export async function startEstNode(of: EstHarness): Promise<EstHarness> {
  return mountEstOn(await startHarnessIn(of.h.dir));
}

async function mountEstOn(h: Harness): Promise<EstHarness> {
  const errors: unknown[] = [];
  const url = await mountEst({
    dataDir: h.dataDir,
    services: h.services,
    unlocked: [h.ca.issuer],
    clock: () => new Date(),
    onError: (error) => errors.push(error),
    retryAfterSeconds: 2,
  });
  if (url === undefined) throw new Error('EST was not mounted');
  const caFile = join(h.dir, 'est-ca.pem');
  writeFileSync(caFile, toPem('CERTIFICATE', h.dataDir.root.der) + toPem('CERTIFICATE', h.ca.issuer.certificate.der));
  const hashKey = await enrollmentTokenKey(h.dataDir.paths);
  return {
    h,
    url,
    port: Number(new URL(url).port),
    caFile,
    async token(request = {}, now = new Date()) {
      const { token, secret } = await createEnrollmentToken(
        { profile: 'client', names: ['sensor-*'], uses: 1, ttlSeconds: 900, label: undefined, ...request },
        { store: h.services.store, config: h.dataDir.config, hashKey, now, actor: 'test', random: randomBytes },
      );
      return { id: token.id, secret };
    },
    takeErrors() {
      return errors.splice(0);
    },
    async close() {
      await h.close();
      if (errors.length > 0) throw new AggregateError(errors, `EST reported ${errors.length} error(s)`);
    },
  };
}

/** A P-256 key and the DER of a CSR for it. */
export async function makeCsr(template: Omit<CsrTemplate, 'publicKey'>): Promise<{ key: KeyObject; keyPem: string; csr: Buffer }> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const csr = await buildCsr(template, createSigner(privateKey));
  return { key: privateKey, keyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(), csr };
}

export interface HttpsAnswer {
  readonly status: number;
  readonly headers: Readonly<Record<string, string | string[] | undefined>>;
  /** The raw header names as the server spelled them. */
  readonly rawHeaderNames: readonly string[];
  readonly body: Buffer;
}

/** One HTTPS request on a new connection (a full TLS handshake each time), with node:https. */
export function httpsRequest(
  url: string,
  options: {
    method?: string;
    headers?: Record<string, string>;
    body?: string | Buffer;
    ca: string;
    cert?: string;
    key?: string;
    maxVersion?: 'TLSv1.2' | 'TLSv1.3';
  },
): Promise<HttpsAnswer> {
  return new Promise((resolve, reject) => {
    const req = request(
      url,
      {
        method: options.method ?? 'GET',
        headers: options.headers,
        ca: options.ca,
        ...(options.cert === undefined ? {} : { cert: options.cert, key: options.key }),
        ...(options.maxVersion === undefined ? {} : { maxVersion: options.maxVersion }),
        agent: false,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (chunk: Buffer) => chunks.push(chunk));
        res.on('end', () =>
          resolve({
            status: res.statusCode ?? 0,
            headers: res.headers,
            rawHeaderNames: res.rawHeaders.filter((_, i) => i % 2 === 0),
            body: Buffer.concat(chunks),
          }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    req.end(options.body);
  });
}

/** Basic credentials of a token. */
export function basic(token: { id: string; secret: string }): string {
  return `Basic ${Buffer.from(`${token.id}:${token.secret}`).toString('base64')}`;
}
