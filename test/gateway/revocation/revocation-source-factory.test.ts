import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { test } from 'node:test';
import { createRevocationFeed } from '../../../src/events/index.js';
import { createRevocationSource } from '../../../src/gateway/revocation/index.js';
import type { RevocationSourceContext } from '../../../src/gateway/revocation/index.js';
import { assertCode } from '../../ca/support.js';
import { makeCa, makeLeaf } from './test-ca.js';

function context(overrides: Partial<RevocationSourceContext> = {}): RevocationSourceContext {
  return { caCertificates: [], readFile: (path) => readFile(path), onError: () => undefined, clock: () => new Date(), ...overrides };
}

const reject = { policy: 'reject', graceSeconds: 0 } as const;

test('maps each kind of revocation configuration to its source', async () => {
  const ca = await makeCa('Factory CA');
  const none = await createRevocationSource({ revocation: { kind: 'none' }, staleCrl: reject }, context());
  assert.equal(none.kind, 'none');
  assert.deepEqual(none.check([await makeLeaf(ca), ca.certificate], new Date()), { status: 'good' });
  const ocsp = await createRevocationSource(
    { revocation: { kind: 'ocsp', cacheSeconds: 60, timeoutMs: 500 }, staleCrl: reject },
    context(),
  );
  assert.equal(ocsp.kind, 'ocsp');
  const crl = await createRevocationSource(
    { revocation: { kind: 'crl', file: '/nonexistent.crl', refreshSeconds: 60 }, staleCrl: reject },
    context(),
  );
  assert.equal(crl.kind, 'crl');
  const feed = await createRevocationSource(
    { revocation: { kind: 'feed', url: 'https://127.0.0.1:1/feed', staleAfterSeconds: 60 }, staleCrl: reject },
    context({ feedClient: { cert: '', key: '' } }),
  );
  assert.equal(feed.kind, 'feed');
  for (const source of [none, ocsp, crl, feed]) await source.close();
});

test('a feed without url outside symbolon up is GATEWAY_REVOCATION_NO_FEED; inside, it reads the feed in process', async () => {
  await assertCode(
    () => createRevocationSource({ revocation: { kind: 'feed', staleAfterSeconds: 60 }, staleCrl: reject }, context()),
    'GATEWAY_REVOCATION_NO_FEED',
  );
  const store = { listRevocations: () => Promise.resolve([]), watchRevocations: () => () => undefined } as unknown as Parameters<
    typeof createRevocationFeed
  >[0]['store'];
  const feed = createRevocationFeed({ store, afterSequence: 0, pollIntervalMs: 60_000 });
  try {
    const source = await createRevocationSource(
      { revocation: { kind: 'feed', staleAfterSeconds: 60 }, staleCrl: reject },
      context({ inProcessFeed: { feed, issuerKeyId: () => undefined } }),
    );
    assert.equal(source.kind, 'feed');
    await source.start();
    const ca = await makeCa('In-process CA');
    assert.deepEqual(source.check([await makeLeaf(ca), ca.certificate], new Date()), { status: 'good' });
    await source.close();
  } finally {
    feed.close();
  }
});

test('a feed with a url and no client certificate is GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE', async () => {
  await assertCode(
    () =>
      createRevocationSource(
        { revocation: { kind: 'feed', url: 'https://127.0.0.1:1/feed', staleAfterSeconds: 60 }, staleCrl: reject },
        context(),
      ),
    'GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE',
  );
  await assertCode(
    () =>
      createRevocationSource(
        { revocation: { kind: 'feed', url: 'https://127.0.0.1:1/feed', certFile: '/x.crt', staleAfterSeconds: 60 }, staleCrl: reject },
        context(),
      ),
    'GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE',
  );
});
