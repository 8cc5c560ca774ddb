import { appendFileSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeTemplateCa } from '../../ca/support.js';
import { startEstHarness } from '../../est/support/est-harness.js';
import type { EstHarness } from '../../est/support/est-harness.js';

/** The profile of the renewal proofs: 10-second certificates, configured in the test CA's config.yaml only. */
export const SHORT_PROFILE = 'short';

/** A client profile whose enrollments wait for an operator's approval (`ca approve`), configured in the test CA's config.yaml only. */
export const APPROVAL_PROFILE = 'approved';

/**
 * A template CA whose config.yaml adds the `short` profile (10 s, client and server use) and the
 * `approved` profile (client, approval required), for the client tests; copied by each harness.
 */
export async function makeClientTemplateCa(root: string): Promise<string> {
  const template = await makeTemplateCa(root);
  appendFileSync(
    join(template, 'config.yaml'),
    [
      'profiles:',
      `  ${SHORT_PROFILE}:`,
      '    extends: client',
      '    defaultLifetime: 10s',
      '    maxLifetime: 5m',
      '    extKeyUsage: [clientAuth, serverAuth]',
      `  ${APPROVAL_PROFILE}:`,
      '    extends: client',
      '    requireApproval: true',
      '',
    ].join('\n'),
  );
  return template;
}

export interface ClientHarness {
  readonly est: EstHarness;
  /** PEM of the root and the intermediate. */
  readonly caPem: string;
  /** The OCSP responder of the harness (plain HTTP). */
  readonly ocspUrl: string;
}

/** EST (as `up` mounts it) and OCSP on 127.0.0.1 over a copy of `template`. */
export async function startClientHarness(template: string, work: string): Promise<ClientHarness> {
  const est = await startEstHarness(template, work);
  return { est, caPem: readFileSync(est.caFile, 'utf8'), ocspUrl: est.h.services.ocspUrl };
}

export { MAIN, TSX } from '../../cli/run-cli.js';
