// Builds the dashboard (web/dashboard/, preact) into dist/ui/ with esbuild: one hashed script, one
// hashed stylesheet and the index.html that names them. Run by `npm run build`; the browser tests
// call `buildDashboard` themselves, which rebuilds only when a source changed since the last build.
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const REPO_ROOT = fileURLToPath(new URL('..', import.meta.url));
const SOURCE_DIR = join(REPO_ROOT, 'web/dashboard');
export const DASHBOARD_OUT_DIR = join(REPO_ROOT, 'dist/ui');
/** The hash of the sources the bundle in dist/ui was built from, beside it (not served). */
const SOURCE_HASH_FILE = join(REPO_ROOT, 'dist/ui.source-sha256');

/** A hash of every source file and of this script: a different hash means the bundle is stale. */
function sourceHash(): string {
  const hash = createHash('sha256');
  const files = readdirSync(SOURCE_DIR, { recursive: true, encoding: 'utf8' }).sort();
  for (const file of [...files.map((name) => join(SOURCE_DIR, name)), fileURLToPath(import.meta.url)]) {
    if (!existsSync(file) || !/\.(tsx?|css|json|svg)$/.test(file)) continue;
    hash.update(file).update('\0').update(readFileSync(file)).update('\0');
  }
  return hash.digest('hex');
}

function indexHtml(script: string, stylesheet: string): string {
  return `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8">
    <meta name="viewport" content="width=device-width, initial-scale=1">
    <title>Symbolon</title>
    <link rel="icon" href="./favicon.svg" type="image/svg+xml">
    <link rel="stylesheet" href="./${stylesheet}">
    <script type="module" src="./${script}"></script>
  </head>
  <body>
    <div id="app"><noscript>The Symbolon dashboard needs JavaScript.</noscript></div>
  </body>
</html>
`;
}

/**
 * Builds the bundle into dist/ui unless the one there was built from the same sources (`force`
 * rebuilds anyway). The new bundle is written beside it and renamed into place, so a server
 * loading dist/ui never reads half of one.
 */
export async function buildDashboard(force = false): Promise<void> {
  const hash = sourceHash();
  if (!force && existsSync(join(DASHBOARD_OUT_DIR, 'index.html')) && existsSync(SOURCE_HASH_FILE)) {
    if (readFileSync(SOURCE_HASH_FILE, 'utf8') === hash) return;
  }
  const staging = `${DASHBOARD_OUT_DIR}.${process.pid}.tmp`;
  rmSync(staging, { recursive: true, force: true });
  mkdirSync(staging, { recursive: true });
  const result = await build({
    entryPoints: [join(SOURCE_DIR, 'main.tsx')],
    outdir: staging,
    entryNames: '[name]-[hash]',
    bundle: true,
    minify: true,
    format: 'esm',
    target: 'es2022',
    jsx: 'automatic',
    jsxImportSource: 'preact',
    metafile: true,
    legalComments: 'none',
    logLevel: 'warning',
  });
  const outputs = Object.keys(result.metafile.outputs).map((path) => basename(path));
  const script = outputs.find((name) => name.endsWith('.js'));
  const stylesheet = outputs.find((name) => name.endsWith('.css'));
  if (script === undefined || stylesheet === undefined) throw new Error(`esbuild wrote ${outputs.join(', ')}: no script or stylesheet`);
  writeFileSync(join(staging, 'index.html'), indexHtml(script, stylesheet));
  copyFileSync(join(SOURCE_DIR, 'favicon.svg'), join(staging, 'favicon.svg'));
  const retired = `${DASHBOARD_OUT_DIR}.${process.pid}.old`;
  if (existsSync(DASHBOARD_OUT_DIR)) renameSync(DASHBOARD_OUT_DIR, retired);
  renameSync(staging, DASHBOARD_OUT_DIR);
  rmSync(retired, { recursive: true, force: true });
  writeFileSync(SOURCE_HASH_FILE, hash);
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await buildDashboard(true);
  console.log(`dashboard built into ${DASHBOARD_OUT_DIR}`);
}
