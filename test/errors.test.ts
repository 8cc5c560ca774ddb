import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CODES } from '../src/errors.js';

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
