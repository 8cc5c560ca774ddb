import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';

// The lowest parts of DESIGN.md's table and what each may import (besides node: modules and the
// shared files beside errors.ts at the root of src/). x509/ and keys/ once imported each other;
// what they share lives in signatures/, below both.
const SRC = resolve(dirname(fileURLToPath(import.meta.url)), '..', 'src');
const MAY_IMPORT: Readonly<Record<string, readonly string[]>> = {
  asn1: [],
  signatures: ['asn1'],
  x509: ['asn1', 'signatures'],
  keys: ['asn1', 'signatures'],
};

function sourceFiles(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => (entry.isDirectory() ? sourceFiles(join(dir, entry.name)) : entry.name.endsWith('.ts') ? [join(dir, entry.name)] : []));
}

/** Every relative import of the files of `part`, as [file, part imported, path inside it]. */
function importsOf(part: string): [string, string, string][] {
  const found: [string, string, string][] = [];
  for (const file of sourceFiles(join(SRC, part))) {
    for (const match of readFileSync(file, 'utf8').matchAll(/\bfrom\s+'(\.{1,2}\/[^']+)'/g)) {
      const target = relative(SRC, resolve(dirname(file), match[1]!)).split(sep);
      if (target.length > 1 && target[0] !== part) found.push([relative(SRC, file), target[0]!, target.slice(1).join('/')]);
    }
  }
  return found;
}

test('asn1/, signatures/, x509/ and keys/ import only the parts below them', () => {
  for (const [part, allowed] of Object.entries(MAY_IMPORT)) {
    for (const [file, imported] of importsOf(part)) assert.ok(allowed.includes(imported), `${file} imports ${imported}/, which ${part}/ may not`);
  }
});

test('they cross into another part only through its index.ts', () => {
  for (const part of Object.keys(MAY_IMPORT)) {
    for (const [file, imported, path] of importsOf(part)) assert.equal(path, 'index.js', `${file} reaches into ${imported}/${path}`);
  }
});
