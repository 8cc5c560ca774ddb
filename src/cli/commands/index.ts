import type { CommandFactory } from '../program.js';
import { agentCommand } from './agent.js';
import { auditCommand } from './audit/audit.js';
import { caCommand } from './ca/ca.js';
import { csrCommand } from './csr.js';
import { dbCommand } from './db.js';
import { gatewayCommand } from './gateway.js';
import { inspectCommand } from './inspect.js';
import { keyCommand } from './key.js';
import { oauthCommand } from './oauth.js';
import { tunnelCommand } from './tunnel.js';
import { upCommand } from './up.js';
import { verifyCommand } from './verify.js';

/**
 * Every `symbolon` subcommand, in the order `--help` lists them. Add a command by adding its
 * factory here (one line); nothing registers itself on import.
 */
export const COMMANDS: readonly CommandFactory[] = [
  upCommand,
  gatewayCommand,
  agentCommand,
  tunnelCommand,
  caCommand,
  oauthCommand,
  auditCommand,
  dbCommand,
  csrCommand,
  inspectCommand,
  keyCommand,
  verifyCommand,
];
