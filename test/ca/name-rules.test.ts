import assert from 'node:assert/strict';
import { test } from 'node:test';
import { isIpInRange, matchesDnsPattern, matchesEmailDomain, matchesSpiffePath, parseSpiffeId } from '../../src/ca/index.js';

test('DNS patterns: * is one label, a leading ** one or more, ** alone any name', () => {
  assert.ok(matchesDnsPattern('api.example.com', 'api.example.com'));
  assert.ok(matchesDnsPattern('API.Example.com', 'api.example.com'));
  assert.ok(matchesDnsPattern('a.svc.example.com', '*.svc.example.com'));
  assert.ok(!matchesDnsPattern('a.b.svc.example.com', '*.svc.example.com'));
  assert.ok(!matchesDnsPattern('svc.example.com', '*.svc.example.com'));
  assert.ok(matchesDnsPattern('a.b.svc.example.com', '**.svc.example.com'));
  assert.ok(!matchesDnsPattern('svc.example.com', '**.svc.example.com'));
  assert.ok(!matchesDnsPattern('evilsvc.example.com', '**.svc.example.com'));
  assert.ok(matchesDnsPattern('anything.test', '**'));
  assert.ok(!matchesDnsPattern('bad_name.test', '**'));
  assert.ok(!matchesDnsPattern('*.example.com', '**'));
});

test('IP ranges match addresses of the same family inside the prefix', () => {
  assert.ok(isIpInRange('10.1.2.3', '10.0.0.0/8'));
  assert.ok(!isIpInRange('11.1.2.3', '10.0.0.0/8'));
  assert.ok(isIpInRange('192.168.1.77', '192.168.1.64/26'));
  assert.ok(!isIpInRange('192.168.1.128', '192.168.1.64/26'));
  assert.ok(isIpInRange('fd00::1', 'fd00::/8'));
  assert.ok(!isIpInRange('fe80::1', 'fd00::/8'));
  assert.ok(!isIpInRange('::ffff:10.0.0.1', '10.0.0.0/8'));
  assert.ok(isIpInRange('8.8.8.8', '0.0.0.0/0'));
});

test('email domains use the DNS patterns on the part after the single @', () => {
  assert.ok(matchesEmailDomain('alice@example.com', 'example.com'));
  assert.ok(matchesEmailDomain('alice@eu.example.com', '*.example.com'));
  assert.ok(!matchesEmailDomain('alice@example.com.evil.test', 'example.com'));
  assert.ok(!matchesEmailDomain('a@b@example.com', 'example.com'));
});

test('SPIFFE IDs are parsed strictly and paths matched by segment', () => {
  assert.deepEqual(parseSpiffeId('spiffe://example.org/ns/prod/sa/api'), { trustDomain: 'example.org', path: '/ns/prod/sa/api' });
  assert.equal(parseSpiffeId('spiffe://Example.org/x'), undefined);
  assert.equal(parseSpiffeId('spiffe://example.org/a/../b'), undefined);
  assert.equal(parseSpiffeId('spiffe://example.org/a/'), undefined);
  assert.equal(parseSpiffeId('spiffe://example.org:443/a'), undefined);
  assert.equal(parseSpiffeId('spiffe://example.org/a?b'), undefined);
  assert.ok(matchesSpiffePath('/ns/prod/sa/api', '/ns/*/sa/*'));
  assert.ok(!matchesSpiffePath('/ns/prod/sa/api/x', '/ns/*/sa/*'));
  assert.ok(matchesSpiffePath('/ns/prod/sa/api/x', '/ns/**'));
  assert.ok(!matchesSpiffePath('/ns', '/ns/**'));
  assert.ok(!matchesSpiffePath('', '/**'));
});
