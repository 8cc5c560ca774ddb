import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseGatewayConfig } from '../../src/gateway/index.js';
import { errorCodeOf } from '../../src/errors.js';

const VALID = `
listeners:
  - port: 8443
    certFile: /etc/symbolon/gateway.pem
    keyFile: /etc/symbolon/gateway.key
trustBundles:
  - name: internal
    caFile: /etc/symbolon/ca.pem
    revocation: { kind: feed, url: "https://ca.internal/events" }
    failurePolicy: hard-fail
  - name: partner
    caFile: /etc/symbolon/partner.pem
    revocation: { kind: crl, url: "http://partner.example/ca.crl", refreshSeconds: 600 }
    failurePolicy: soft-fail
    staleCrl: { policy: grace, graceSeconds: 3600 }
routes:
  - host: api.example.com
    pathPrefix: /api
    upstream: http://127.0.0.1:9000
    allow:
      - spiffeId: "spiffe://acme.example/ns/*/sa/api"
    deny:
      - fingerprint: "AB:${'CD:'.repeat(30)}EF"
    headers: both
    trustBundles: [internal]
  - upstream: https://fallback.internal
    clientCertificate: optional
    trustBundles: [internal, partner]
limits:
  handshakeTimeoutMs: 5000
`;

function failure(text: string): string {
  try {
    parseGatewayConfig(text);
  } catch (error) {
    assert.equal(errorCodeOf(error), 'GATEWAY_CONFIG_INVALID');
    return (error as Error).message;
  }
  assert.fail('expected GATEWAY_CONFIG_INVALID');
}

test('parses a valid configuration with defaults, deeply frozen', () => {
  const config = parseGatewayConfig(VALID);
  assert.equal(config.routes[1]!.host, '*');
  assert.equal(config.routes[1]!.pathPrefix, '/');
  assert.equal(config.routes[0]!.clientCertificate, 'required');
  assert.equal(config.routes[1]!.headers, 'xfcc');
  assert.equal(config.limits.maxConnections, 10_000);
  assert.equal(config.trustBundles[0]!.staleCrl.policy, 'reject');
  assert.ok(Object.isFrozen(config) && Object.isFrozen(config.routes[0]!.allow[0]));
  assert.throws(() => (config.routes as unknown as unknown[]).push({}));
});

test('a trust bundle validates strictly unless it says profile rfc5280', () => {
  assert.equal(parseGatewayConfig(VALID).trustBundles[0]!.profile, 'strict');
  const legacy = parseGatewayConfig(VALID.replace('failurePolicy: soft-fail', 'failurePolicy: soft-fail\n    profile: rfc5280'));
  assert.deepEqual(
    legacy.trustBundles.map((bundle) => bundle.profile),
    ['strict', 'rfc5280'],
  );
  assert.match(
    failure(VALID.replace('failurePolicy: soft-fail', 'failurePolicy: soft-fail\n    profile: lenient')),
    /trustBundles\[1\]\.profile/,
  );
});

test('errors name the path to the bad field', () => {
  assert.match(failure(VALID.replace('http://127.0.0.1:9000', 'ftp://x')), /routes\[0\]\.upstream: the upstream must be an http/);
  assert.match(failure(VALID.replace('failurePolicy: soft-fail', 'failurePolicy: maybe')), /trustBundles\[1\]\.failurePolicy/);
  assert.match(failure(VALID.replace('handshakeTimeoutMs: 5000', 'handshakeTimeoutMs: -1')), /limits\.handshakeTimeoutMs/);
  assert.match(failure(VALID.replace('headers: both', 'headers: all')), /routes\[0\]\.headers/);
  assert.match(failure(VALID.replace('headers: both', 'hedaers: both')), /routes\[0\].*hedaers/);
  assert.match(
    failure(VALID.replace('refreshSeconds: 600', 'file: /x.crl')),
    /trustBundles\[1\]\.revocation: a CRL source needs exactly one/,
  );
});

test('bad rules and duplicate routes are refused with their location', () => {
  assert.match(failure(VALID.replace('ns/*/sa/api', 'ns/a*/sa/api')), /routes\[0\]\.allow\[0\]/);
  assert.match(failure(VALID.replace('AB:', 'ZZ:')), /routes\[0\]\.deny\[0\]/);
  assert.match(failure(VALID.replace('allow:\n      - spiffeId', 'allow:\n      - {}\n      - spiffeId')), /allow\[0\]/);
  assert.match(
    failure(
      VALID.replace(
        'clientCertificate: optional\n',
        'clientCertificate: optional\n    trustBundles: [internal]\n  - upstream: http://b.internal\n',
      ),
    ),
    /routes: two routes/,
  );
});

test('with more than one trust bundle, each route names the bundles it accepts, by names that exist', () => {
  assert.match(
    failure(VALID.replace('    trustBundles: [internal]\n', '')),
    /routes\[0\]\.trustBundles: with more than one trust bundle \(internal, partner\), each route names those it accepts/,
  );
  assert.match(
    failure(VALID.replace('trustBundles: [internal]', 'trustBundles: [internl]')),
    /routes\[0\]\.trustBundles\[0\]: "internl" is not the name of a trust bundle/,
  );
  assert.match(failure(VALID.replace('trustBundles: [internal]', 'trustBundles: []')), /routes\[0\]\.trustBundles/);
  assert.match(
    failure(VALID.replace('name: partner', 'name: internal')),
    /trustBundles\[1\]\.name: "internal" is the name of an earlier bundle/,
  );
  const one = VALID.replace(/ {2}- name: partner[\s\S]*?graceSeconds: 3600 }\n/, '')
    .replace(', partner]', ']')
    .replace('    trustBundles: [internal]\n', '');
  assert.equal(parseGatewayConfig(one).routes[0]!.trustBundles, undefined, 'with one bundle a route may leave it out');
  assert.deepEqual(parseGatewayConfig(VALID).routes[1]!.trustBundles, ['internal', 'partner']);
});

test('refuses malformed and hostile YAML', () => {
  failure('listeners: [');
  failure('a: 1\na: 2\n');
  failure('');
  const bomb = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]'];
  for (let i = 1; i < 12; i++)
    bomb.push(
      `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(10)
        .fill(`*${String.fromCharCode(96 + i)}`)
        .join(',')}]`,
    );
  failure(bomb.join('\n'));
});

const TOKEN_BASE = `
listeners: [ { port: 8443, certFile: a.pem, keyFile: a.key } ]
trustBundles: [ { name: internal, caFile: ca.pem, revocation: { kind: none }, failurePolicy: hard-fail } ]
`;

test('token routes: bound or bearer, with an audience and a configured issuer', () => {
  const config = parseGatewayConfig(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://as.example:8443' } ]
routes: [ { upstream: 'http://127.0.0.1:9000', token: bound, audience: 'https://api.example', scopes: [read] } ]
`);
  assert.equal(config.routes[0]!.token, 'bound');
  assert.deepEqual(config.tokenIssuers[0]!.algorithms, ['ES256']);
  assert.equal(config.tokenIssuers[0]!.leewaySeconds, 30);
  assert.match(
    failure(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://as.example' } ]
routes: [ { upstream: 'http://127.0.0.1:9000', token: bound } ]`),
    /routes\[0\]\.audience: a route with token needs the audience/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
routes: [ { upstream: 'http://127.0.0.1:9000', token: bearer, audience: a } ]`),
    /routes\[0\]\.tokenIssuer: a route with token needs tokenIssuers configured/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://a.example' }, { issuer: 'https://b.example' } ]
routes: [ { upstream: 'http://127.0.0.1:9000', token: bearer, audience: a } ]`),
    /routes\[0\]\.tokenIssuer: name one of/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://a.example' } ]
routes: [ { upstream: 'http://127.0.0.1:9000', token: bearer, audience: a, tokenIssuer: 'https://c.example' } ]`),
    /is not the issuer of a tokenIssuers entry/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://a.example', algorithms: [HS256] } ]
routes: [ { upstream: 'http://127.0.0.1:9000' } ]`),
    /tokenIssuers\[0\]\.algorithms\[0\]/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
tokenIssuers: [ { issuer: 'https://a.example', jwksUrl: 'http://a.example/jwks' } ]
routes: [ { upstream: 'http://127.0.0.1:9000' } ]`),
    /jwksUrl: the JWKS URL must be https/,
  );
  assert.match(
    failure(`${TOKEN_BASE}
routes: [ { upstream: 'http://127.0.0.1:9000', scopes: [read] } ]`),
    /routes\[0\]\.token: tokenIssuer, audience and scopes need token/,
  );
});
