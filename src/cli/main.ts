#!/usr/bin/env node
import { readFileSync } from 'node:fs';
import { COMMANDS } from './commands/index.js';
import { runProgram } from './program.js';

const { version } = JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string };

process.exitCode = await runProgram(
  process.argv.slice(2),
  COMMANDS,
  { out: (text) => process.stdout.write(text), err: (text) => process.stderr.write(text) },
  version,
);
