import { test } from 'node:test';
import assert from 'node:assert/strict';
import { compileNameGlob } from '../../src/x509/index.js';
import { errorCodeOf } from '../../src/errors.js';

const path = { separator: '/', isCaseInsensitive: false } as const;
const dns = { separator: '.', isCaseInsensitive: true } as const;

test('"*" matches exactly one non-empty segment', () => {
  const glob = compileNameGlob('spiffe://acme.example/ns/*/sa/api', path);
  assert.equal(glob.matches('spiffe://acme.example/ns/prod/sa/api'), true);
  assert.equal(glob.matches('spiffe://acme.example/ns//sa/api'), false);
  assert.equal(glob.matches('spiffe://acme.example/ns/a/b/sa/api'), false);
  assert.equal(glob.matches('spiffe://acme.example/ns/prod/sa/api/x'), false);
});

test('"**" matches one or more non-empty segments, never none', () => {
  const glob = compileNameGlob('spiffe://acme.example/**/api', path);
  assert.equal(glob.matches('spiffe://acme.example/api'), false);
  assert.equal(glob.matches('spiffe://acme.example/x/api'), true);
  assert.equal(glob.matches('spiffe://acme.example//api'), false);
  assert.equal(glob.matches('spiffe://acme.example/a/b/c/api'), true);
  assert.equal(glob.matches('spiffe://acme.example/a/b/c/apix'), false);
  assert.equal(compileNameGlob('spiffe://acme.example/**', path).matches('spiffe://other.example/x'), false);
  assert.equal(compileNameGlob('spiffe://acme.example/ns/**', path).matches('spiffe://acme.example/ns'), false);
  assert.equal(compileNameGlob('**.svc.example.com', dns).matches('svc.example.com'), false);
  assert.equal(compileNameGlob('**.svc.example.com', dns).matches('a.b.svc.example.com'), true);
  assert.equal(compileNameGlob('**', dns).matches(''), false);
  assert.equal(compileNameGlob('a/**/**/b', path).matches('a/x/b'), false);
  assert.equal(compileNameGlob('a/**/**/b', path).matches('a/x/y/b'), true);
});

test('regular-expression metacharacters are literal', () => {
  const glob = compileNameGlob('spiffe://acme.example/a.b/(x|y)/[z]+?', path);
  assert.equal(glob.matches('spiffe://acme.example/a.b/(x|y)/[z]+?'), true);
  assert.equal(glob.matches('spiffe://acme.example/aXb/x/zz'), false);
  assert.equal(compileNameGlob('a.example', dns).matches('aXexample'), false);
});

test('refuses "*" inside a segment, "***", and empty or huge patterns', () => {
  for (const pattern of ['spiffe://acme.example/api-*', 'spiffe://acme.example/***', '', 'a/'.repeat(2000)]) {
    assert.throws(
      () => compileNameGlob(pattern, path),
      (error) => errorCodeOf(error) === 'NAME_GLOB_INVALID',
      pattern,
    );
  }
});

test('DNS globs compare case-insensitively and by label', () => {
  const glob = compileNameGlob('*.svc.Acme.Example', dns);
  assert.equal(glob.matches('API.svc.acme.example'), true);
  assert.equal(glob.matches('a.b.svc.acme.example'), false);
  assert.equal(glob.matches('svc.acme.example'), false);
});

test('many "**" segments against a long name stay fast (no backtracking blow-up)', () => {
  const glob = compileNameGlob(`x:/${'/**'.repeat(200)}/z`, path);
  const name = `x:/${'/a'.repeat(1000)}/y`;
  // O(pattern × name) by construction: 200 × 1000 steps, not 1000 choose 200.
  assert.equal(glob.matches(name), false);
});

test('stars within a segment, when allowed, take one or more characters of that segment only', () => {
  const options = { separator: '.', isCaseInsensitive: true, isStarWithinSegment: true } as const;
  const sensor = compileNameGlob('sensor-*.fleet.example', options);
  assert.equal(sensor.matches('SENSOR-17.fleet.example'), true);
  assert.equal(sensor.matches('sensor-.fleet.example'), false);
  assert.equal(sensor.matches('sensor-17.evil.fleet.example'), false);
  assert.equal(compileNameGlob('*-*', options).matches('a-b'), true);
  assert.equal(compileNameGlob('*-*', options).matches('a-'), false);
  assert.throws(
    () => compileNameGlob('a.**.example', options),
    (error: unknown) => errorCodeOf(error) === 'NAME_GLOB_INVALID',
  );
  assert.throws(
    () => compileNameGlob('api-*.example', { separator: '.', isCaseInsensitive: true }),
    (error: unknown) => errorCodeOf(error) === 'NAME_GLOB_INVALID',
  );
});
