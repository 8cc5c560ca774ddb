import { Command, Option } from 'commander';
import { ERROR_CODES, SymbolonError } from '../../errors.js';
import { readInput } from '../input.js';
import { parseInstant } from '../instant-option.js';
import type { InspectedObject } from '../inspect/inspected-object.js';
import { jsonReport } from '../inspect/json/json-report.js';
import { readObjects } from '../inspect/read-objects.js';
import { textReport } from '../inspect/text/text-report.js';
import { readPassphrase } from '../passphrase.js';
import type { CommandFactory, Output } from '../program.js';

interface InspectOptions {
  readonly json?: boolean;
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly now?: Date;
}

/** One line per CSR whose signature did not verify or could not be checked: those make the exit code 1. */
function csrFailures(objects: readonly InspectedObject[]): string[] {
  return objects.flatMap((object) => {
    if (object.kind !== 'csr') return [];
    const { signatureCheck } = object;
    if (signatureCheck.result === 'valid') return [];
    if (signatureCheck.result === 'invalid') return [`symbolon: CSR_SIGNATURE_INVALID: ${ERROR_CODES.CSR_SIGNATURE_INVALID}`];
    return [`symbolon: ${signatureCheck.code}: the CSR signature cannot be checked: ${signatureCheck.reason}`];
  });
}

/**
 * `symbolon inspect FILE|-`: what a certificate, chain, CSR or key holds, for people or (--json)
 * for programs. Exit 0, or 1 when a CSR's signature is invalid or cannot be checked.
 */
export const inspectCommand: CommandFactory = (output: Output) =>
  new Command('inspect')
    .description('show what certificates, chains, CSRs and keys hold (PEM or DER)')
    .argument('<file>', 'the file to read, or - for standard input')
    .option('--json', 'print one JSON document (an array of objects, each with a "kind")')
    .option('--passphrase-file <file>', 'decrypt an encrypted private key with the passphrase in this file')
    .option('--passphrase-env <name>', 'decrypt an encrypted private key with the passphrase in this environment variable')
    .addOption(new Option('--now <time>', 'judge validity at this time (ISO 8601) instead of now').argParser(parseInstant).hideHelp())
    .action(async (file: string, options: InspectOptions) => {
      if (file === '-' && options.passphraseFile === '-')
        throw new SymbolonError('USAGE', 'standard input cannot carry both the input and the passphrase');
      const passphrase = await readPassphrase(options, process.env);
      const { objects, skippedPemLabels } = await readObjects(await readInput(file), passphrase);
      for (const label of skippedPemLabels) output.err(`symbolon: note: skipped a "${label}" PEM block, which inspect does not read\n`);
      const now = options.now ?? new Date();
      output.out(options.json === true ? jsonReport(objects, now) : textReport(objects, now));
      const failures = csrFailures(objects);
      if (failures.length > 0) {
        output.err(failures.join('\n') + '\n');
        throw new SymbolonError('CLI_COMMAND_FAILED');
      }
    });
