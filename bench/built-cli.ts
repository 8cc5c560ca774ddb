/**
 * `symbolon` as users run it, for the benches: the compiled `dist/cli/main.js` that `npx symbolon`
 * starts (built here from the current sources), with the node flags of its shebang; not through
 * tsx, whose transform adds work to every closure and whose loader adds to the heap.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

/** Builds `dist/`; resolves to why `symbolon` cannot run from it, or undefined when it can. */
export function buildCli(repoRoot: string): string | undefined {
  const build = spawnSync('npx', ['tsc', '-p', 'tsconfig.build.json'], { cwd: repoRoot, encoding: 'utf8', timeout: 300_000 });
  const help =
    build.status === 0
      ? spawnSync(process.execPath, ['dist/cli/main.js', '--help'], { cwd: repoRoot, encoding: 'utf8', timeout: 60_000 })
      : build;
  if (help.status === 0) return undefined;
  return `building dist/ or dist/cli/main.js --help exited ${help.status ?? help.signal}: ${`${help.stderr}${help.stdout}`
    .trim()
    .split('\n')
    .slice(0, 3)
    .join(' / ')}`;
}

/** The node flags of the bin's shebang (`#!/usr/bin/env -S node FLAGS`), as `npx symbolon` runs it. */
export function shebangFlags(repoRoot: string): string[] {
  const firstLine = readFileSync(join(repoRoot, 'dist/cli/main.js'), 'utf8').split('\n')[0] ?? '';
  return (/^#!.*\bnode\b(.*)$/m.exec(firstLine)?.[1] ?? '')
    .trim()
    .split(/\s+/)
    .filter((flag) => flag !== '');
}
