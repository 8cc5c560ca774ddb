import assert from 'node:assert/strict';
import { test } from 'node:test';
import { BUILT_IN_PROFILES, initialConfigText, parseCaConfig } from '../../src/ca/index.js';
import { SymbolonError } from '../../src/errors.js';
import { assertCode } from './support.js';

function configError(text: string): string {
  try {
    parseCaConfig(text, 'config.yaml');
  } catch (error) {
    assert.ok(error instanceof SymbolonError);
    assert.equal(error.code, 'CA_CONFIG_INVALID');
    return error.message;
  }
  assert.fail('the configuration was accepted');
}

test('the file ca init writes parses, with the six built-in profiles', () => {
  const config = parseCaConfig(initialConfigText({ name: 'Acme', publicBaseUrl: 'https://ca.acme.test/' }));
  assert.equal(config.name, 'Acme');
  assert.equal(config.publicBaseUrl, 'https://ca.acme.test');
  assert.deepEqual(Object.keys(config.profiles), ['client', 'server', 'spiffe', 'gateway', 'admin', 'ocsp-signer']);
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.profiles));
});

test('user profiles extend a built-in and override its fields', () => {
  const config = parseCaConfig(`
version: 1
name: Acme
profiles:
  server:
    names: { dns: ['*.svc.acme.test'] }
  device:
    extends: client
    defaultLifetime: 7d
    maxLifetime: 30d
    keyTypes: [p256]
    subject: { required: [CN, O], forbidden: [OU] }
  kiosk:
    extends: device
    maxLifetime: 14d
`);
  assert.deepEqual(config.profiles['server']!.names.dns, ['*.svc.acme.test']);
  assert.deepEqual(config.profiles['server']!.extKeyUsage, BUILT_IN_PROFILES['server']!.extKeyUsage);
  const device = config.profiles['device']!;
  assert.equal(device.maxLifetimeSeconds, 30 * 86_400);
  assert.deepEqual(device.keyTypes, ['p256']);
  assert.deepEqual(device.requiredSubjectFields, ['CN', 'O']);
  assert.deepEqual(device.extKeyUsage, ['clientAuth']);
  assert.equal(config.profiles['kiosk']!.defaultLifetimeSeconds, 7 * 86_400);
});

test('errors name the path to the bad field and what is wanted', () => {
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    maxLifetime: forever\n'),
    /^config\.yaml: profiles\.device\.maxLifetime: expected a lifetime such as 30d/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    keyTypes: [p192]\n'),
    /profiles\.device\.keyTypes\.0: .*'p256'/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    maxLifetme: 3d\n'),
    /profiles\.device: Unrecognized key\(s\) in object: 'maxLifetme'/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    maxLifetime: 3d\n'),
    /profiles\.device: a new profile says which profile it builds on/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: nothing\n'),
    /profiles\.device\.extends: "nothing" is not a profile/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    defaultLifetime: 60d\n    maxLifetime: 30d\n'),
    /profiles\.device\.defaultLifetime: the default lifetime is longer than the maximum/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  server:\n    names: { dns: ["exa mple.com"] }\n'),
    /profiles\.server\.names\.dns\.0: expected a DNS pattern/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  server:\n    names: { ip: ["10.0.0.0/33"] }\n'),
    /profiles\.server\.names\.ip\.0: expected a CIDR range/,
  );
  assert.match(
    configError('version: 1\nname: A\nprofiles:\n  device:\n    extends: client\n    minRsaBits: 1024\n'),
    /profiles\.device\.minRsaBits: RSA below 2048 bits is refused/,
  );
  assert.match(configError('name: A\n'), /^config\.yaml: version: /);
  assert.match(configError('version: 1\nname: A\npublicBaseUrl: ftp://x\n'), /publicBaseUrl: expected an http or https URL/);
  assert.match(configError('version: 1\nname: [unclosed\n'), /^config\.yaml is not valid YAML/);
});

test('the monitoring section: defaults, thresholds per profile, a webhook and gateways; bad values are CA_CONFIG_INVALID naming the field', async () => {
  const defaults = parseCaConfig('version: 1\nname: Acme\n').monitoring;
  assert.deepEqual(defaults.expiryThresholdsSeconds, [30 * 86_400, 7 * 86_400, 86_400]);
  assert.equal(defaults.webhookUrl, undefined);
  assert.deepEqual(defaults.gateways, []);
  const config = parseCaConfig(`
version: 1
name: Acme
monitoring:
  expiryAlerts:
    thresholds: [1d, 14d]
    profiles: { spiffe: [], admin: [2d] }
    webhook: { url: 'https://hooks.example.com/symbolon', retries: 2 }
    checkInterval: 1m
  gateways:
    - { name: edge-1, metricsUrl: 'http://10.0.0.5:9090/metrics' }
  scrapeInterval: 30s
`).monitoring;
  assert.deepEqual(config.expiryThresholdsSeconds, [14 * 86_400, 86_400]);
  assert.deepEqual(config.profileThresholdsSeconds, { spiffe: [], admin: [2 * 86_400] });
  assert.equal(config.webhookUrl, 'https://hooks.example.com/symbolon');
  assert.equal(config.webhookRetries, 2);
  assert.equal(config.checkIntervalSeconds, 60);
  assert.deepEqual(config.gateways, [{ name: 'edge-1', metricsUrl: 'http://10.0.0.5:9090/metrics' }]);
  assert.equal(config.scrapeIntervalSeconds, 30);
  const bad: [string, RegExp][] = [
    ['monitoring: { expiryAlerts: { thresholds: [soon] } }', /monitoring\.expiryAlerts\.thresholds\.0/],
    ['monitoring: { expiryAlerts: { profiles: { ghost: [1d] } } }', /monitoring\.expiryAlerts\.profiles\.ghost: is not a profile/],
    ["monitoring: { expiryAlerts: { webhook: { url: 'https://user:pw@hooks.example.com/' } } }", /credentials do not belong/],
    ["monitoring: { expiryAlerts: { webhook: { url: 'ftp://hooks.example.com/' } } }", /http or https URL/],
    ['monitoring: { gateways: [{ name: edge, metricsUrl: x }] }', /monitoring\.gateways\.0\.metricsUrl/],
    ['monitoring: { surprise: true }', /monitoring/],
  ];
  for (const [yaml, message] of bad) {
    await assertCode(() => parseCaConfig(`version: 1\nname: Acme\n${yaml}\n`), 'CA_CONFIG_INVALID');
    assert.throws(() => parseCaConfig(`version: 1\nname: Acme\n${yaml}\n`), message);
  }
});
