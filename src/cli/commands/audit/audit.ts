import { Command } from 'commander';
import type { CommandFactory, Output } from '../../program.js';
import { auditCheckpointCommand } from './audit-checkpoint.js';
import { auditVerifyCommand } from './audit-verify.js';

/** `symbolon audit ...`: the tamper-evident audit log. */
export const auditCommand: CommandFactory = (output: Output) =>
  new Command('audit').description('check the audit log').addCommand(auditVerifyCommand(output)).addCommand(auditCheckpointCommand(output));
