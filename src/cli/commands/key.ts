import { Command } from 'commander';
import type { CommandFactory, Output } from '../program.js';
import { keyCreateCommand } from './key-create.js';

/** `symbolon key ...`: private keys. */
export const keyCommand: CommandFactory = (output: Output) =>
  new Command('key').description('make private keys').addCommand(keyCreateCommand(output));
