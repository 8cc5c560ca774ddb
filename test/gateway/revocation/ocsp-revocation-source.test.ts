import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { IncomingMessage, Server, ServerResponse } from 'node:http';
import { after, before, test } from 'node:test';
import { closeServer, hostPort, listen, readBody } from '../../../src/http/index.js';
import { createOcspRevocationSource } from '../../../src/gateway/revocation/index.js';
import type { OcspRevocationSourceOptions, RevocationAnswer, RevocationSource } from '../../../src/gateway/revocation/index.js';
import { createSigner } from '../../../src/keys/index.js';
import type { Signer } from '../../../src/keys/index.js';
import { decodeDer, der } from '../../../src/asn1/index.js';
import type { DerNode } from '../../../src/asn1/index.js';
import { buildOcspResponse, OID, ocspResponderIdentity, parseOcspRequest } from '../../../src/x509/index.js';
import type { Certificate, CertStatus } from '../../../src/x509/index.js';
import { makeTemplateCa, makeTempDir } from '../../ca/support.js';
import { P256_INFINITY_CERTIFICATE, SECP256K1_INFINITY_CERTIFICATE } from '../../support/hostile-keys.js';
import { startHarness } from '../../support/revocation-harness.js';
import type { Harness } from '../../support/revocation-harness.js';
import { issueLeaf, revoke } from './feed-support.js';
import { issueUnder, makeCa, makeLeaf } from './test-ca.js';
import type { TestCa } from './test-ca.js';

const temp = makeTempDir('symbolon-gw-ocsp-');
let h: Harness;
let ca: TestCa;
let foreign: TestCa;

before(async () => {
  h = await startHarness(await makeTemplateCa(temp.path), temp.path);
  [ca, foreign] = await Promise.all([makeCa('OCSP Test CA'), makeCa('Foreign')]);
});
after(async () => {
  await h?.close();
  temp.remove();
});

function source(options: Partial<OcspRevocationSourceOptions> = {}): RevocationSource {
  return createOcspRevocationSource({ cacheSeconds: 300, timeoutMs: 1000, ...options });
}

async function answerOf(source: RevocationSource, leaf: Certificate, issuer: Certificate, now = new Date()): Promise<RevocationAnswer> {
  return source.check([leaf, issuer], now);
}

/** A local HTTP server in front of `handle`, counting requests; 127.0.0.1 only. */
async function startServer(
  handle: (req: IncomingMessage, res: ServerResponse) => Promise<void>,
): Promise<{ server: Server; url: string; requests: () => number }> {
  let requests = 0;
  const server = createServer((req, res) => {
    requests++;
    handle(req, res).catch(() => res.destroy());
  });
  const bound = await listen(server, { host: '127.0.0.1', port: 0 });
  return { server, url: `http://${hostPort(bound)}/ocsp`, requests: () => requests };
}

/** Forwards to the harness's real responder, after `delayMs`. */
function relayTo(target: () => string, delayMs = 0) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, 64 * 1024);
    await new Promise((resolve) => setTimeout(resolve, delayMs));
    const answer = await fetch(target(), {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request' },
      body: body.ok ? body.body : Buffer.alloc(0),
    });
    res.writeHead(answer.status, { 'content-type': 'application/ocsp-response' });
    res.end(Buffer.from(await answer.arrayBuffer()));
  };
}

/** A responder of our own making: answers `status` for whatever is asked, signed by `signer` with `certificates` in certs. */
function scripted(
  signer: Signer,
  certificates: readonly Uint8Array[],
  status: CertStatus,
  times: () => { thisUpdate: Date; nextUpdate?: Date } = () => ({
    thisUpdate: new Date(Date.now() - 60_000),
    nextUpdate: new Date(Date.now() + 3_600_000),
  }),
  tamper: (response: Buffer) => Buffer = (response) => response,
) {
  return async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const body = await readBody(req, 64 * 1024);
    if (!body.ok) throw new Error('no body');
    const request = parseOcspRequest(body.body);
    const response = await buildOcspResponse(ocspResponderIdentity(signer, certificates), {
      producedAt: new Date(),
      responses: request.requests.map((single) => ({ certId: single.certId, certStatus: status, ...times() })),
    });
    res.writeHead(200, { 'content-type': 'application/ocsp-response' });
    res.end(tamper(response));
  };
}

/**
 * What anyone on the path to a plain-HTTP responder can do: the certificates of a BasicOCSPResponse
 * are outside its signature (RFC 6960 4.2.1), so `extra` goes in front of them, the rest untouched.
 */
function prependCertificates(extra: readonly Buffer[]) {
  return (response: Buffer): Buffer => {
    const [status, bytes] = decodeDer(response).children as [DerNode, DerNode];
    const [type, octets] = bytes.children[0]!.children as [DerNode, DerNode];
    const [tbs, algorithm, signature, certs] = decodeDer(octets.content).children as [DerNode, DerNode, DerNode, DerNode | undefined];
    const kept = certs === undefined ? [] : certs.children[0]!.children.map((certificate) => certificate.bytes);
    const basic = der.sequence(tbs.bytes, algorithm.bytes, signature.bytes, der.explicit(0, der.sequenceOf([...extra, ...kept])));
    return der.sequence(status.bytes, der.explicit(0, der.sequence(type.bytes, der.octetString(basic))));
  };
}

test('the real responder says good, then revoked after revocation; a cache hit is synchronous', async () => {
  const ocsp = source({ url: h.services.ocspUrl });
  const leaf = await issueLeaf(h, 'ocsp-good');
  const pending = ocsp.check([leaf.leaf, leaf.issuer], new Date());
  assert.ok(pending instanceof Promise, 'a miss returns a promise');
  assert.deepEqual(await pending, { status: 'good' });
  const hit = ocsp.check([leaf.leaf, leaf.issuer], new Date());
  assert.deepEqual(hit, { status: 'good' }, 'a hit is the answer itself, not a promise');
  assert.equal(ocsp.stats(new Date()).entries, 1);

  const victim = await issueLeaf(h, 'ocsp-revoked');
  await revoke(h, victim, 'superseded');
  assert.deepEqual(await answerOf(ocsp, victim.leaf, victim.issuer), { status: 'revoked', reason: 'superseded' });
  // Past cacheSeconds the responder is asked again.
  const short = source({ url: h.services.ocspUrl, cacheSeconds: 1 });
  const later = await issueLeaf(h, 'ocsp-later');
  assert.deepEqual(await answerOf(short, later.leaf, later.issuer), { status: 'good' });
  await revoke(h, later);
  assert.deepEqual(short.check([later.leaf, later.issuer], new Date()), { status: 'good' }, 'cached');
  assert.deepEqual(await answerOf(short, later.leaf, later.issuer, new Date(Date.now() + 2000)), {
    status: 'revoked',
    reason: 'keyCompromise',
  });
  await ocsp.close();
  await short.close();
});

test('concurrent misses for one certificate make one request to the responder', async () => {
  const relay = await startServer(relayTo(() => h.services.ocspUrl, 100));
  const ocsp = source({ url: relay.url });
  try {
    const leaf = await issueLeaf(h, 'ocsp-coalesced');
    const answers = await Promise.all(Array.from({ length: 5 }, () => answerOf(ocsp, leaf.leaf, leaf.issuer)));
    assert.deepEqual(answers, Array(5).fill({ status: 'good' }));
    assert.equal(relay.requests(), 1);
    const other = await issueLeaf(h, 'ocsp-other');
    await Promise.all([answerOf(ocsp, other.leaf, other.issuer), answerOf(ocsp, leaf.leaf, leaf.issuer)]);
    assert.equal(relay.requests(), 2, 'another certificate is another request; the first is cached');
  } finally {
    await ocsp.close();
    await closeServer(relay.server);
  }
});

test('a responder that is down, slow or answers HTTP errors gives unavailable with a reason', async () => {
  const leaf = await issueLeaf(h, 'ocsp-down');
  const down = await answerOf(source({ url: 'http://127.0.0.1:1/ocsp' }), leaf.leaf, leaf.issuer);
  assert.equal(down.status, 'unavailable');
  assert.match((down as { detail: string }).detail, /cannot be reached/);
  const slow = await startServer(relayTo(() => h.services.ocspUrl, 2000));
  const error = await startServer((_req, res) => Promise.resolve(void res.writeHead(503).end()));
  try {
    // The answer is the source's own timeout, not the slow responder's (late) answer.
    const timedOut = await answerOf(source({ url: slow.url, timeoutMs: 200 }), leaf.leaf, leaf.issuer);
    assert.equal(timedOut.status, 'unavailable');
    assert.match((timedOut as { detail: string }).detail, /did not answer within 200 ms/);
    assert.match(((await answerOf(source({ url: error.url }), leaf.leaf, leaf.issuer)) as { detail: string }).detail, /HTTP 503/);
  } finally {
    slow.server.closeAllConnections();
    await closeServer(slow.server);
    await closeServer(error.server);
  }
});

test('responses signed by a foreign key, or by a responder certificate without OCSPSigning, are unavailable', async () => {
  const leaf = await makeLeaf(ca);
  const byForeign = await startServer(scripted(foreign.signer, [], { status: 'good' }));
  const notOcspSigner = await issueUnder(ca, 'not a responder');
  const byNonResponder = await startServer(
    scripted(createSigner(notOcspSigner.privateKey), [notOcspSigner.certificate.der], { status: 'good' }),
  );
  try {
    const forged = await answerOf(source({ url: byForeign.url }), leaf, ca.certificate);
    assert.equal(forged.status, 'unavailable');
    assert.match((forged as { detail: string }).detail, /signed neither by/);
    assert.equal((await answerOf(source({ url: byNonResponder.url }), leaf, ca.certificate)).status, 'unavailable');
  } finally {
    await closeServer(byForeign.server);
    await closeServer(byNonResponder.server);
  }
});

test('the issuer itself, or its delegated responder, may sign; the URL comes from authorityInfoAccess when none is configured', async () => {
  const responder = await issueUnder(ca, 'delegated responder', { extKeyUsage: [OID.ocspSigning] });
  const byIssuer = await startServer(
    scripted(ca.signer, [], { status: 'revoked', revocationTime: new Date(Date.now() - 1000), revocationReason: 'cACompromise' }),
  );
  const byDelegate = await startServer(scripted(createSigner(responder.privateKey), [responder.certificate.der], { status: 'good' }));
  try {
    const named = (await issueUnder(ca, 'names its responder', { authorityInfoAccess: { ocsp: [byIssuer.url] } })).certificate;
    assert.deepEqual(await answerOf(source(), named, ca.certificate), { status: 'revoked', reason: 'cACompromise' });
    assert.deepEqual(await answerOf(source({ url: byDelegate.url }), await makeLeaf(ca), ca.certificate), { status: 'good' });
    const unnamed = await answerOf(source(), await makeLeaf(ca), ca.certificate);
    assert.match((unnamed as { detail: string }).detail, /names no OCSP responder/);
  } finally {
    await closeServer(byIssuer.server);
    await closeServer(byDelegate.server);
  }
});

test('certificates with hostile keys carried in a response are refused, never loaded: the process lives (issue 13)', async () => {
  const hostile = [SECP256K1_INFINITY_CERTIFICATE, P256_INFINITY_CERTIFICATE];
  const responder = await issueUnder(ca, 'delegated responder', { extKeyUsage: [OID.ocspSigning] });
  // A forged answer carrying only hostile certificates: the source must read each one to look for a responder.
  const forged = await startServer(scripted(foreign.signer, [], { status: 'good' }, undefined, prependCertificates(hostile)));
  // A genuine delegated answer with the hostile certificates put in front of the responder's.
  const genuine = await startServer(
    scripted(createSigner(responder.privateKey), [responder.certificate.der], { status: 'good' }, undefined, prependCertificates(hostile)),
  );
  try {
    const refused = await answerOf(source({ url: forged.url }), await makeLeaf(ca), ca.certificate);
    assert.equal(refused.status, 'unavailable');
    assert.match((refused as { detail: string }).detail, /signed neither by/);
    assert.deepEqual(await answerOf(source({ url: genuine.url }), await makeLeaf(ca), ca.certificate), { status: 'good' });
    assert.equal(forged.requests() + genuine.requests(), 2);
  } finally {
    await closeServer(forged.server);
    await closeServer(genuine.server);
  }
});

test('a response past its nextUpdate, or about another certificate, is unavailable; the cache is bounded', async () => {
  const outdated = await startServer(
    scripted(ca.signer, [], { status: 'good' }, () => ({
      thisUpdate: new Date(Date.now() - 7200_000),
      nextUpdate: new Date(Date.now() - 3600_000),
    })),
  );
  const foreignIssuer = await startServer(scripted(foreign.signer, [], { status: 'good' }));
  const fresh = await startServer(scripted(ca.signer, [], { status: 'good' }));
  try {
    const stale = await answerOf(source({ url: outdated.url }), await makeLeaf(ca), ca.certificate);
    assert.match((stale as { detail: string }).detail, /out of date/);
    // Signed correctly by its own CA, but the leaf's issuer is another: the CertID does not match.
    const mismatch = await answerOf(source({ url: foreignIssuer.url }), await makeLeaf(foreign), ca.certificate);
    assert.equal(mismatch.status, 'unavailable');
    const bounded = source({ url: fresh.url, maxEntries: 3 });
    for (let i = 0; i < 5; i++) assert.deepEqual(await answerOf(bounded, await makeLeaf(ca), ca.certificate), { status: 'good' });
    assert.equal(bounded.stats(new Date()).entries, 3);
  } finally {
    await closeServer(outdated.server);
    await closeServer(foreignIssuer.server);
    await closeServer(fresh.server);
  }
});
