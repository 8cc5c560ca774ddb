import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';

/**
 * Keeps ARCHITECTURE.md true: its table of parts says which parts each part may import, and the
 * source's imports must match it. An import that the table does not allow (an arrow that points
 * up), a cycle in the table, an import that reaches past a part's face (its index.ts), a part
 * missing from the table or an allowed arrow nobody uses each fail here.
 */
const root = new URL('..', import.meta.url).pathname;
const src = join(root, 'src');

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sourceFiles(path) : path.endsWith('.ts') ? [path] : [];
  });
}

/** The part a source path belongs to: its folder under src/, or the file's name for a file at src/'s top. */
function partOf(pathInSrc: string): string {
  const [first, ...rest] = pathInSrc.split('/');
  return rest.length === 0 ? first!.replace(/\.(ts|js)$/, '') : `${first!}/`;
}

/** Rows of ARCHITECTURE.md's parts table: `| \`part\` | what it owns | \`a/\`, \`b\` |`. */
function documentedParts(): Map<string, Set<string>> {
  const text = readFileSync(join(root, 'ARCHITECTURE.md'), 'utf8');
  const table = text.slice(text.indexOf('<!-- parts -->'), text.indexOf('<!-- /parts -->'));
  const parts = new Map<string, Set<string>>();
  for (const line of table.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim());
    const name = /^`([^`]+)`$/.exec(cells[1] ?? '')?.[1];
    if (name === undefined) continue;
    const imports = [...(cells[3] ?? '').matchAll(/`([^`]+)`/g)].map((m) => m[1]!);
    parts.set(name, new Set(imports));
  }
  return parts;
}

interface ImportEdge {
  readonly file: string;
  readonly target: string;
}

function crossPartImports(): ImportEdge[] {
  const edges: ImportEdge[] = [];
  for (const file of sourceFiles(src)) {
    const text = readFileSync(file, 'utf8');
    for (const match of text.matchAll(
      /(?:^|\n)\s*(?:import|export)\b[^'"]*?\bfrom\s+'(\.{1,2}\/[^']+)'|\bimport\(\s*'(\.{1,2}\/[^']+)'\s*\)|(?:^|\n)\s*import\s+'(\.{1,2}\/[^']+)'/g,
    )) {
      const specifier = match[1] ?? match[2] ?? match[3]!;
      const target = relative(src, resolve(dirname(file), specifier));
      const from = relative(src, file);
      if (partOf(from) !== partOf(target)) edges.push({ file: from, target });
    }
  }
  return edges;
}

const parts = documentedParts();
const edges = crossPartImports();

test('every part of src/ is in the table of ARCHITECTURE.md, and every row is a part', () => {
  const actual = new Set(sourceFiles(src).map((file) => partOf(relative(src, file))));
  assert.deepEqual([...actual].sort(), [...parts.keys()].sort());
});

test('every import across parts is an arrow the table allows', () => {
  const wrong = edges.filter((edge) => {
    const from = partOf(edge.file);
    return from !== 'index' && parts.get(from)?.has(partOf(edge.target)) !== true;
  });
  assert.deepEqual(
    wrong.map((edge) => `${edge.file} -> ${edge.target}`),
    [],
  );
});

test('imports cross into a part only through its face (index.ts, or a sub-part index.ts)', () => {
  const wrong = edges.filter((edge) => edge.target.includes('/') && !edge.target.endsWith('/index.js'));
  assert.deepEqual(
    wrong.map((edge) => `${edge.file} -> ${edge.target}`),
    [],
  );
});

test('the table is ordered from the bottom up: a part may import only parts listed before it', () => {
  const order = [...parts.keys()];
  for (const [part, imports] of parts)
    for (const target of imports)
      assert.ok(order.indexOf(target) >= 0 && order.indexOf(target) < order.indexOf(part), `${part} may import ${target}, listed after it`);
});

test('the arrows of the table point down: no cycle', () => {
  const state = new Map<string, 'visiting' | 'done'>();
  const visit = (part: string, trail: string[]): void => {
    if (state.get(part) === 'done') return;
    assert.notEqual(state.get(part), 'visiting', `cycle: ${[...trail, part].join(' -> ')}`);
    state.set(part, 'visiting');
    for (const next of parts.get(part) ?? []) visit(next, [...trail, part]);
    state.set(part, 'done');
  };
  for (const part of parts.keys()) visit(part, []);
});

test('every arrow in the table is used, so the table says what the code does', () => {
  const used = new Set(edges.map((edge) => `${partOf(edge.file)} -> ${partOf(edge.target)}`));
  const unused = [...parts]
    .flatMap(([part, imports]) => [...imports].map((target) => `${part} -> ${target}`))
    .filter((arrow) => !used.has(arrow));
  assert.deepEqual(unused, []);
});
