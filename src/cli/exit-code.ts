import { isSymbolonError } from '../errors.js';
import type { ErrorCode } from '../errors.js';

/** Exit codes of every `symbolon` command. */
export const ExitCode = {
  OK: 0,
  /** The command ran and the answer is no (a chain that does not verify, a failed operation). */
  FAILED: 1,
  /** The command line or its input is wrong: nothing was done. */
  USAGE_OR_INPUT: 2,
  /** What the command asked for waits for an operator (an enrollment the CA holds for approval): run it again later. */
  PENDING: 3,
  /** A fault Symbolon did not expect: a bug to report. */
  INTERNAL: 70,
} as const;

// OUTPUT_ sits with KEY_FILE_*: a refused or impossible output path is fixed on the command line.
// A gateway configuration that does not validate, or names a file that cannot be used, is input too.
const INPUT_CODE_PREFIXES = [
  'ASN1_',
  'PEM_',
  'CERT_',
  'CSR_',
  'KEY_',
  'INPUT_',
  'OUTPUT_',
  'SIG_',
  'GATEWAY_CONFIG_',
  'GATEWAY_FILE_',
  'GATEWAY_TLS_MATERIAL_',
  'GATEWAY_ROUTE_',
  'GATEWAY_RULE_',
  'OAUTH_CLIENT_INVALID',
  'CLIENT_OPTIONS_',
  'OAUTH_ISSUER_INVALID',
];

/** The exit code for an error: input and usage errors are 2, an enrollment held for approval 3, anything unexpected 70. */
export function exitCodeFor(error: unknown): number {
  if (!isSymbolonError(error)) return ExitCode.INTERNAL;
  const code: ErrorCode = error.code;
  if (code === 'CLIENT_EST_PENDING') return ExitCode.PENDING;
  if (code === 'USAGE' || code === 'STORE_DATABASE_URL_INVALID' || INPUT_CODE_PREFIXES.some((prefix) => code.startsWith(prefix)))
    return ExitCode.USAGE_OR_INPUT;
  return ExitCode.FAILED;
}

/** One line for standard error: `symbolon: CODE: message`, never a stack trace. */
export function errorLine(error: unknown): string {
  if (isSymbolonError(error)) return `symbolon: ${error.code}: ${error.message}`;
  const detail = error instanceof Error ? error.message : String(error);
  return `symbolon: internal error: ${detail} (please report this)`;
}
