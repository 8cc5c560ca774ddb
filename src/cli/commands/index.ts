import type { CommandFactory } from '../program.js';

/**
 * Every `symbolon` subcommand, in the order `--help` lists them. Add a command by adding its
 * factory here (one line); nothing registers itself on import.
 */
export const COMMANDS: readonly CommandFactory[] = [];
