import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { decodeDer } from '../../../src/asn1/index.js';
import { validateGatewayConfig } from '../../../src/gateway/index.js';
import { startGateway } from '../../../src/gateway/runtime/index.js';
import type { Gateway } from '../../../src/gateway/runtime/index.js';
import { generateKeyPair } from '../../../src/keys/index.js';
import { parsePublicKeyInfo, toPem } from '../../../src/x509/index.js';
import type { ClientHarness } from './client-harness.js';

/**
 * The mTLS gateway in front of `upstreamUrl` on 127.0.0.1, with a `localhost` certificate from the
 * harness's CA, the CA as its one trust bundle, revocation from the CA's feed (in process,
 * hard-fail: a revoked client certificate is refused within a second) and one route allowing the
 * subject common names `allowCns`. Errors it reports go to `onError`.
 */
export async function startClientGateway(
  harness: ClientHarness,
  dir: string,
  upstreamUrl: string,
  allowCns: readonly string[],
  onError: (error: unknown) => void,
): Promise<Gateway> {
  const { h } = harness.est;
  const keys = await generateKeyPair('p256');
  const spki = keys.publicKey.export({ type: 'spki', format: 'der' });
  const issued = await h.ca.issue(
    {
      subject: [[{ type: '2.5.4.3', value: 'localhost' }]],
      subjectAltNames: [
        { type: 'dns', value: 'localhost' },
        { type: 'ip', value: '127.0.0.1' },
      ],
      publicKey: parsePublicKeyInfo(decodeDer(spki), 'KEY_MALFORMED'),
      spki,
    },
    { profile: 'gateway', actor: 'test' },
  );
  writeFileSync(join(dir, 'gateway.chain.pem'), toPem('CERTIFICATE', issued.der) + toPem('CERTIFICATE', issued.chain[0]!));
  writeFileSync(join(dir, 'gateway.key'), keys.privateKey.export({ type: 'pkcs8', format: 'pem' }));
  return startGateway({
    config: validateGatewayConfig({
      listeners: [
        {
          address: '127.0.0.1',
          port: 0,
          certFile: join(dir, 'gateway.chain.pem'),
          keyFile: join(dir, 'gateway.key'),
          ocspStapling: false,
        },
      ],
      trustBundles: [{ name: 'symbolon', caFile: h.rootPem, revocation: { kind: 'feed' }, failurePolicy: 'hard-fail' }],
      routes: [{ upstream: upstreamUrl, allow: allowCns.map((cn) => ({ subjectCn: cn })) }],
      accessLog: 'off',
    }),
    baseDir: dir,
    inProcessFeed: { feed: h.services.feed, issuerKeyId: (issuerId) => h.services.issuerKeyId(issuerId) },
    onError,
  });
}
