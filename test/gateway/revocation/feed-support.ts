import { readFileSync } from 'node:fs';
import { revokeCertificate } from '../../../src/ca/index.js';
import { checkGatewayAccess, createFeedRoute, FEED_PATH } from '../../../src/services/index.js';
import { createServiceListener, hostPort } from '../../../src/http/index.js';
import { parseCertificate } from '../../../src/x509/index.js';
import type { Certificate } from '../../../src/x509/index.js';
import type { Harness } from '../../support/revocation-harness.js';

/** A certificate of the harness CA as the gateway sees it, with its issuer. */
export interface Leaf {
  readonly leaf: Certificate;
  readonly issuer: Certificate;
  readonly serial: string;
}

export async function issueLeaf(h: Harness, name: string): Promise<Leaf> {
  const { issued } = await h.issue(name);
  return { leaf: parseCertificate(issued.der), issuer: h.ca.issuer.certificate, serial: issued.record.serial };
}

export async function revoke(h: Harness, leaf: Leaf, reason: 'keyCompromise' | 'superseded' = 'keyCompromise'): Promise<void> {
  await revokeCertificate(h.services.store, { issuerId: h.ca.issuer.id, serial: leaf.serial }, reason, { actor: 'test', now: new Date() });
}

/** The gateway's client identity for the feed: a `gateway` profile certificate of the harness CA. */
export async function gatewayIdentity(h: Harness): Promise<{ cert: string; key: string }> {
  const gateway = await h.issue(`gateway-${Math.random().toString(16).slice(2)}`, 'gateway');
  return { cert: readFileSync(gateway.chainPem, 'utf8'), key: readFileSync(gateway.keyPem, 'utf8') };
}

/** The feed route on a service listener of its own, stopped as one. */
export interface TestFeedServer {
  close(): Promise<void>;
}

/**
 * The real feed route on a real HTTPS service listener, on the harness's in-process feed, with a
 * server certificate of our own (so the test controls its port and heartbeat, and can stop and
 * restart it).
 */
export async function startFeedServer(
  h: Harness,
  server: { key: string; cert: string },
  options: { port?: number; heartbeatMs?: number } = {},
): Promise<{ feedServer: TestFeedServer; url: string; port: number }> {
  const route = createFeedRoute({
    feed: h.services.feed,
    access: (peer) =>
      checkGatewayAccess(peer, {
        store: h.services.store,
        issuers: [{ id: h.ca.issuer.id, certificate: h.ca.issuer.certificate }],
        profiles: ['gateway'],
        clock: () => new Date(),
      }),
    issuerKeyId: h.services.issuerKeyId,
    heartbeatMs: options.heartbeatMs ?? 200,
    maxBufferedBytes: 1024 * 1024,
  });
  const listener = createServiceListener({
    tls: { key: server.key, cert: server.cert, ca: [readFileSync(h.rootPem, 'utf8')] },
    onError: () => undefined,
  });
  listener.mount(FEED_PATH, route.handle);
  const bound = await listener.listen({ host: '127.0.0.1', port: options.port ?? 0 });
  const feedServer = {
    async close() {
      route.close();
      await listener.close();
    },
  };
  return { feedServer, url: `https://${hostPort(bound)}${FEED_PATH}`, port: bound.port };
}

/** Waits until `condition` holds, checking every few milliseconds; false after `timeoutMs`. */
export async function eventually(condition: () => boolean, timeoutMs: number, stepMs = 2): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, stepMs));
  }
  return true;
}
