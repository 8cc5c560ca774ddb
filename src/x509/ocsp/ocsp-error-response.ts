import { der } from '../../asn1/index.js';
import { SymbolonError } from '../../errors.js';
import { OCSP_RESPONSE_STATUSES } from './ocsp-types.js';
import type { OcspResponseStatus } from './ocsp-types.js';

/** The statuses that carry no response (RFC 6960 4.2.1: responseBytes only when successful). */
export type OcspErrorStatus = Exclude<OcspResponseStatus, 'successful'>;

const ERROR_RESPONSES = new Map<OcspErrorStatus, Buffer>(
  OCSP_RESPONSE_STATUSES.flatMap((status, code) =>
    status === undefined || status === 'successful' ? [] : [[status, der.sequence(der.enumerated(code))] as const],
  ),
);

/**
 * The unsigned OCSPResponse for an error status: `SEQUENCE { ENUMERATED status }`, five octets
 * encoded once (RFC 6960 2.3, 4.2.1). The buffer is shared: write it out, do not modify it.
 * Throws `OCSP_INVALID_INPUT` for a status that is not an error.
 */
export function ocspErrorResponse(status: OcspErrorStatus): Buffer {
  const response = ERROR_RESPONSES.get(status);
  if (response === undefined) throw new SymbolonError('OCSP_INVALID_INPUT', `${String(status)} is not an OCSP error status`);
  return response;
}
