import { Command } from 'commander';
import type { CommandFactory, Output } from '../program.js';
import { csrCreateCommand } from './csr-create.js';

/** `symbolon csr ...`: PKCS#10 certificate requests. */
export const csrCommand: CommandFactory = (output: Output) =>
  new Command('csr').description('make certificate requests (PKCS#10)').addCommand(csrCreateCommand(output));
