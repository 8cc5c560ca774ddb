import { Command } from 'commander';
import type { CommandFactory, Output } from '../../program.js';
import { caApproveCommand, caPendingCommand, caRejectCommand } from './ca-approval.js';
import { caInitCommand } from './ca-init.js';
import { caIntermediateCommand } from './ca-intermediate.js';
import { caIssueCommand } from './ca-issue.js';
import { caListCommand } from './ca-list.js';
import { caRenewCommand } from './ca-renew.js';
import { caRevokeCommand } from './ca-revoke.js';
import { caRootCrlCommand } from './ca-root-crl.js';
import { caShowCommand } from './ca-show.js';
import { caSignCommand } from './ca-sign.js';
import { caTokenCommand } from './ca-token.js';

/** `symbolon ca ...`: the private CA. */
export const caCommand: CommandFactory = (output: Output) =>
  new Command('ca')
    .description('run the private CA: create it, issue, renew, revoke and list certificates')
    .addCommand(caInitCommand(output))
    .addCommand(caIntermediateCommand(output))
    .addCommand(caSignCommand(output))
    .addCommand(caIssueCommand(output))
    .addCommand(caRenewCommand(output))
    .addCommand(caRevokeCommand(output))
    .addCommand(caRootCrlCommand(output))
    .addCommand(caListCommand(output))
    .addCommand(caShowCommand(output))
    .addCommand(caTokenCommand(output))
    .addCommand(caPendingCommand(output))
    .addCommand(caApproveCommand(output))
    .addCommand(caRejectCommand(output));
