import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * Builds a load generator written in Go (bench/gateway/h2load.go, bench/est/enroll-client.go) into
 * `work` with Debian's Go: the standard library only, no module download. Returns the binary's
 * path, or why it cannot: Go is missing (apt-get install golang-go) or the build failed.
 */
export function buildGoProgram(work: string, source: URL, name: string): { readonly binary: string } | { readonly problem: string } {
  const sourcePath = fileURLToPath(source);
  if (spawnSync('go', ['version'], { stdio: 'ignore' }).error !== undefined)
    return { problem: `${name} is a Go program (${sourcePath}); install Go first (Debian: apt-get install golang-go)` };
  const binary = join(work, name);
  const env = {
    ...process.env,
    HOME: work,
    GOCACHE: join(work, 'go-cache'),
    GOPATH: join(work, 'go-path'),
    GO111MODULE: 'off',
    GOFLAGS: '',
  };
  const built = spawnSync('go', ['build', '-o', binary, sourcePath], { env, encoding: 'utf8', timeout: 300_000 });
  if (built.error !== undefined || built.status !== 0)
    return { problem: `go build of ${sourcePath} failed: ${built.error?.message ?? built.stderr}` };
  return { binary };
}
