import { Command, CommanderError } from 'commander';
import { isSymbolonError, SymbolonError } from '../errors.js';
import { errorLine, exitCodeFor, ExitCode } from './exit-code.js';

/** Where a command writes: the process's streams, or a test's buffers. */
export interface Output {
  readonly out: (text: string) => void;
  readonly err: (text: string) => void;
}

export type CommandFactory = (output: Output) => Command;

/**
 * Builds the `symbolon` command from its subcommands and runs it on `argv` (without the node
 * and script paths). Returns the exit code; prints errors as one line, never a stack trace.
 */
export async function runProgram(
  argv: readonly string[],
  commands: readonly CommandFactory[],
  output: Output,
  version: string,
): Promise<number> {
  const program = new Command('symbolon')
    .description('Mutual TLS end to end: a private CA, revocation, an mTLS gateway and bound tokens.')
    .version(version, '-V, --version')
    .showHelpAfterError('(run with --help for usage)')
    .configureOutput({ writeOut: output.out, writeErr: output.err, outputError: usageLine })
    .exitOverride();
  for (const factory of commands) program.addCommand(factory(output));
  applyToAll(program, (command) =>
    command.exitOverride().configureOutput({ writeOut: output.out, writeErr: output.err, outputError: usageLine }),
  );

  try {
    await program.parseAsync([...argv], { from: 'user' });
    return ExitCode.OK;
  } catch (error) {
    if (error instanceof CommanderError) {
      // --help and --version end through here with exit code 0.
      if (error.exitCode === 0) return ExitCode.OK;
      return ExitCode.USAGE_OR_INPUT;
    }
    // The command has already said why its answer is no.
    if (isSymbolonError(error, 'CLI_COMMAND_FAILED')) return ExitCode.FAILED;
    output.err(errorLine(error) + '\n');
    return exitCodeFor(error);
  }
}

/** Commander's own complaints (an unknown option, a missing argument) in the one-line form of every other error. */
function usageLine(text: string, write: (text: string) => void): void {
  write(`symbolon: USAGE: ${text.replace(/^error: /, '')}`);
}

function applyToAll(command: Command, fn: (command: Command) => void): void {
  for (const sub of command.commands) {
    fn(sub);
    applyToAll(sub, fn);
  }
}

/** Parses a whole number option from `min` to `max`, with a usage error that names the option. */
export function parseWholeNumber(name: string, min: number, max: number): (value: string) => number {
  return (value: string) => {
    if (!/^\d+$/.test(value) || Number(value) < min || Number(value) > max) {
      throw new SymbolonError('USAGE', `${name} takes a whole number from ${min} to ${max}, not "${value}"`);
    }
    return Number(value);
  };
}
