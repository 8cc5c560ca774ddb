import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { after, before, test } from 'node:test';
import { isSymbolonError } from '../../../src/errors.js';
import { validateGatewayConfig } from '../../../src/gateway/gateway-config.js';
import type { GatewayConfig } from '../../../src/gateway/gateway-config.js';
import { createRevocationSource } from '../../../src/gateway/revocation/index.js';
import type { RevocationSource } from '../../../src/gateway/revocation/index.js';
import { bundleKey, buildGeneration } from '../../../src/gateway/runtime/gateway-generation.js';
import type { RevocationSourceFactory } from '../../../src/gateway/runtime/gateway-generation.js';
import { configPath, loadGatewayMaterial } from '../../../src/gateway/runtime/gateway-material.js';
import type { GatewayMaterial } from '../../../src/gateway/runtime/gateway-material.js';
import { ValidationCache } from '../../../src/path/index.js';
import { startE2eEnv } from '../e2e/support/e2e-env.js';
import type { E2eEnv } from '../e2e/support/e2e-env.js';
import { configInput } from '../e2e/support/test-gateway.js';

let env: E2eEnv;
let config: GatewayConfig;
let material: GatewayMaterial;

before(async () => {
  env = await startE2eEnv('generation');
  // Two bundles: the first's source can be built, the second's cannot (a feed with no url, outside `symbolon up`).
  const input = configInput(env, { routes: [{ upstream: 'http://127.0.0.1:1', trustBundles: ['first', 'second'] }] });
  config = validateGatewayConfig({
    ...input,
    trustBundles: [
      { name: 'first', caFile: env.rootPem, revocation: { kind: 'none' }, failurePolicy: 'hard-fail' },
      { name: 'second', caFile: env.rootPem, revocation: { kind: 'feed' }, failurePolicy: 'hard-fail' },
    ],
  });
  material = await loadGatewayMaterial(config, env.dir);
});

after(async () => {
  await env?.close();
});

/** The real factory (no in-process feed), with each source it makes and each close of one recorded. */
function recordingFactory(): {
  readonly createSource: RevocationSourceFactory;
  readonly made: RevocationSource[];
  readonly closed: RevocationSource[];
} {
  const made: RevocationSource[] = [];
  const closed: RevocationSource[] = [];
  const createSource: RevocationSourceFactory = async (bundle) => {
    const source = await createRevocationSource(bundle.config, {
      caCertificates: bundle.certificates,
      readFile: (path) => readFile(configPath(env.dir, path)),
      onError: () => undefined,
      clock: () => new Date(),
    });
    made.push(source);
    return observeClose(source, closed);
  };
  return { createSource, made, closed };
}

function observeClose(source: RevocationSource, closed: RevocationSource[]): RevocationSource {
  const close = source.close.bind(source);
  return Object.assign(source, {
    close: () => {
      closed.push(source);
      return close();
    },
  });
}

const parts = (createSource: RevocationSourceFactory, previousSources: ReadonlyMap<string, RevocationSource> = new Map()) => ({
  id: 1,
  config,
  material,
  validationCache: new ValidationCache(),
  previousSources,
  createSource,
  onDisagreement: () => undefined,
  onError: (error: unknown) => assert.fail(String(error)),
});

test('a build that fails at its second revocation source closes the first one it made, and throws the typed error', async () => {
  const { createSource, made, closed } = recordingFactory();
  await assert.rejects(buildGeneration(parts(createSource)), (error: unknown) => isSymbolonError(error, 'GATEWAY_REVOCATION_NO_FEED'));
  assert.equal(made.length, 1, 'the first source was made');
  assert.deepEqual(closed, made, 'and closed again');
});

test('a failed build never closes a running source of the previous generation it would have reused', async () => {
  const previous: RevocationSource[] = [];
  const running = observeClose(
    await createRevocationSource(
      { revocation: { kind: 'none' }, staleCrl: config.trustBundles[0]!.staleCrl },
      { caCertificates: [], readFile: () => assert.fail('no file'), onError: () => undefined, clock: () => new Date() },
    ),
    previous,
  );
  const { createSource, made } = recordingFactory();
  await assert.rejects(buildGeneration(parts(createSource, new Map([[bundleKey(material.bundles[0]!), running]]))), (error: unknown) =>
    isSymbolonError(error, 'GATEWAY_REVOCATION_NO_FEED'),
  );
  assert.equal(made.length, 0, 'the first bundle reused the running source');
  assert.deepEqual(previous, [], 'which stays open for the generation in force');
});
