#!/usr/bin/env -S node --max-semi-space-size=64 --min-semi-space-size=16
// The flags: a proxy allocates short-lived objects for every request (parsers, headers, buffers).
// --max-semi-space-size lets the young generation grow under load, so that far more of them die
// before a scavenge: measured as CPU time per request under bench/gateway's load generator, it took
// about a sixth off the gateway's cost here. --min-semi-space-size keeps it from shrinking to 1 MB
// at a moderate rate: at 1000 requests/s the gateway then paused 0.2-0.9 ms for a scavenge about
// every 100 ms, which put its p99 latency at up to twice nginx's; with 16 MB, a few seconds apart.
// It costs some 14 MB of resident memory per process. V8 reads both only at start (not from
// v8.setFlagsFromString), so they sit in the shebang that `npx symbolon` and the installed bin run.
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { runProgram } from './program.js';

// A reader that stops early (`symbolon ca list --json | head -1`) closes the pipe: the command has
// nothing more to say to it and ends quietly, as the commands of a shell pipeline do, rather than
// dying of an unhandled EPIPE with a stack trace. Other stream errors are real faults and are kept.
for (const stream of [process.stdout, process.stderr]) {
  stream.on('error', (error: NodeJS.ErrnoException) => {
    if (error.code !== 'EPIPE') throw error;
    process.exit(process.exitCode ?? 0);
  });
}

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

process.exitCode = await runProgram(
  process.argv.slice(2),
  COMMANDS,
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  version,
);
