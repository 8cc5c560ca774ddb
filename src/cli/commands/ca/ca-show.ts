import { Command } from 'commander';
import { findCertificate } from '../../../ca/index.js';
import { toPem } from '../../../x509/index.js';
import type { CommandFactory, Output } from '../../program.js';
import { recordJson } from './ca-list.js';
import { cliClock, withDataDir, DATABASE_OPTION_HELP } from './ca-options.js';

interface CaShowOptions {
  readonly dir?: string;
  readonly issuer?: string;
  readonly pem?: boolean;
}

/** `symbolon ca show SERIAL`: one certificate's record, as JSON, or its PEM. */
export const caShowCommand: CommandFactory = (output: Output) =>
  new Command('show')
    .description("show a certificate's record")
    .argument('<serial>', 'the serial number in hex')
    .option('--issuer <id>', 'the issuer (intermediate-N) when the serial is not unique')
    .option('--pem', 'print the certificate as PEM instead')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .action(async (serial: string, options: CaShowOptions) => {
      const record = await withDataDir(options, (dataDir) => findCertificate(dataDir.store, serial, options.issuer));
      output.out(options.pem === true ? toPem('CERTIFICATE', record.der) : JSON.stringify(recordJson(record, cliClock()), null, 2) + '\n');
    });
