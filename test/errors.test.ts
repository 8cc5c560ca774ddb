import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { Asn1Error, ERROR_CODES, isSymbolonError, SymbolonError } from '../src/errors.js';

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

const source = sourceFiles(new URL('../src', import.meta.url).pathname)
  .map((file) => readFileSync(file, 'utf8'))
  .join('\n');

test('every error code has a description a person can read', () => {
  for (const [code, description] of Object.entries(ERROR_CODES)) {
    assert.match(code, /^[A-Z][A-Z0-9]*(_[A-Z0-9]+)+$|^USAGE$/, code);
    assert.ok(description.length >= 15, `${code} needs a real description`);
  }
});

test('every code raised in the source is documented in the table', () => {
  const raised = new Set([...source.matchAll(/(?:SymbolonError|Asn1Error)\(\s*'([A-Z0-9_]+)'/g)].map((m) => m[1]!));
  assert.ok(raised.size > 10);
  for (const code of raised) assert.ok(code in ERROR_CODES, `${code} is raised but not documented`);
});

test('an error from a second copy of the errors module is still a SymbolonError', async () => {
  const copy = (await import(`../src/errors.ts?copy=${Date.now()}`)) as typeof import('../src/errors.js');
  assert.notEqual(copy.SymbolonError, SymbolonError, 'the query string must load a separate module instance');
  const foreign = new copy.SymbolonError('HTTP_CHUNKED_FRAMING');
  assert.ok(foreign instanceof SymbolonError);
  assert.ok(isSymbolonError(foreign, 'HTTP_CHUNKED_FRAMING'));
  assert.equal(isSymbolonError(foreign, 'USAGE'), false);
  assert.ok(new SymbolonError('USAGE') instanceof copy.SymbolonError);
});

test('a subclass of SymbolonError is told apart from its base', () => {
  assert.equal(new SymbolonError('CERT_MALFORMED') instanceof Asn1Error, false);
  assert.ok(new Asn1Error('ASN1_TRUNCATED', 3) instanceof Asn1Error);
  assert.ok(new Asn1Error('ASN1_TRUNCATED', 3) instanceof SymbolonError);
});

test('look-alikes without the brand are not SymbolonErrors', () => {
  const lookAlike = Object.assign(new Error('the upstream did not answer in time'), {
    code: 'GATEWAY_UPSTREAM_TIMEOUT',
    name: 'SymbolonError',
  });
  assert.equal(lookAlike instanceof SymbolonError, false);
  assert.equal(isSymbolonError(lookAlike), false);
  assert.equal(isSymbolonError(null), false);
  assert.equal(isSymbolonError('HTTP_CHUNKED_FRAMING'), false);
});

test('no part declares an error class of its own: every error is a SymbolonError with a code', () => {
  const classes = [...source.matchAll(/class (\w+) extends (\w+Error|Error)\b/g)].map((m) => `${m[1]} extends ${m[2]}`);
  assert.deepEqual(
    classes.filter((c) => !['SymbolonError extends Error', 'Asn1Error extends SymbolonError'].includes(c)),
    [],
  );
});
