import type { ErrorCode } from '../errors.js';
import { problemDocument } from '../http/index.js';
import type { ProblemDocument } from '../http/index.js';

/**
 * Why the gateway refused a request. The reasons are part of the API: they label the metrics and
 * the access log, and the problem+json body carries them beside the error code its `type` names
 * (one vocabulary for every Symbolon server: `urn:symbolon:error:CODE`, see src/http/problem.ts).
 */
export const REJECTION_REASONS = {
  no_certificate: {
    status: 403,
    code: 'GATEWAY_NO_CERTIFICATE',
    detail: 'This route requires a client certificate. Present one issued by a trusted CA during the TLS handshake.',
  },
  untrusted_issuer: {
    status: 403,
    code: 'GATEWAY_UNTRUSTED_ISSUER',
    detail:
      'The client certificate does not chain to a CA this gateway trusts. Use a certificate from a trusted CA and send its intermediates.',
  },
  expired: {
    status: 403,
    code: 'GATEWAY_CERT_EXPIRED',
    detail: 'The client certificate is past its notAfter date. Renew it and reconnect.',
  },
  not_yet_valid: {
    status: 403,
    code: 'GATEWAY_CERT_NOT_YET_VALID',
    detail: 'The client certificate notBefore date is in the future. Check the clock of the issuing CA and of this client.',
  },
  revoked: {
    status: 403,
    code: 'GATEWAY_CERT_REVOKED',
    detail: 'The client certificate has been revoked by its CA. Obtain a new certificate.',
  },
  revocation_unavailable: {
    status: 403,
    code: 'GATEWAY_REVOCATION_UNAVAILABLE',
    detail: 'The revocation status of the client certificate cannot be determined and the policy is hard-fail. Retry later.',
  },
  wrong_usage: {
    status: 403,
    code: 'GATEWAY_WRONG_USAGE',
    detail:
      'The client certificate does not allow TLS client authentication (extKeyUsage clientAuth, keyUsage digitalSignature). Use a client certificate.',
  },
  chain_invalid: {
    status: 403,
    code: 'GATEWAY_CHAIN_INVALID',
    detail:
      'OpenSSL accepted the client certificate chain but the strict RFC 5280 validation refused it (name constraints, key usage, extensions or path length). Ask the CA operator to reissue it.',
  },
  route_denied: {
    status: 403,
    code: 'GATEWAY_ROUTE_DENIED',
    detail: 'The client certificate is valid but its identity is not allowed on this route. Ask the gateway operator for access.',
  },
  path_invalid: {
    status: 400,
    code: 'GATEWAY_PATH_INVALID',
    detail:
      'The request path has empty segments, parameters on a dot segment, encoded separators, bad percent-encoding or control characters. Send a normalized absolute path.',
  },
  host_invalid: {
    status: 400,
    code: 'GATEWAY_HOST_INVALID',
    detail:
      'The Host (or :authority) is not a host name, an IPv4 address or a bracketed IPv6 literal with an optional port. Send the host of the URL.',
  },
  misdirected: {
    status: 421,
    code: 'GATEWAY_MISDIRECTED',
    detail: 'This gateway serves no route for the host the request names. Send it to the server of that host.',
  },
  no_route: { status: 404, code: 'GATEWAY_NO_ROUTE', detail: 'No route of this gateway matches the host and path. Check the URL.' },
  upstream_unavailable: {
    status: 502,
    code: 'GATEWAY_UPSTREAM_UNAVAILABLE',
    detail: 'The gateway could not reach the service behind this route or the connection failed. Retry later.',
  },
  upstream_timeout: {
    status: 504,
    code: 'GATEWAY_UPSTREAM_TIMEOUT',
    detail: 'The service behind this route did not answer in time. Retry later.',
  },
  bad_request: {
    status: 400,
    code: 'GATEWAY_BAD_REQUEST',
    detail:
      'The request breaks HTTP/1.1 message syntax (RFC 9112): its request line, a header field or its body framing is invalid or ambiguous. Fix the client.',
  },
  request_timeout: {
    status: 408,
    code: 'GATEWAY_REQUEST_TIMEOUT',
    detail: 'The request head or body did not arrive in time. Send the whole request promptly.',
  },
  expectation_failed: {
    status: 417,
    code: 'GATEWAY_EXPECTATION_FAILED',
    detail: 'The Expect header names an expectation other than 100-continue. Remove it.',
  },
  header_too_large: {
    status: 431,
    code: 'GATEWAY_HEADER_TOO_LARGE',
    detail: 'The request line and header fields exceed the size or count this gateway accepts. Send fewer or smaller header fields.',
  },
  not_implemented: {
    status: 501,
    code: 'GATEWAY_NOT_IMPLEMENTED',
    detail:
      'The request uses a method or transfer coding this gateway does not relay (CONNECT, or a transfer coding other than chunked). Send it without.',
  },
  version_not_supported: {
    status: 505,
    code: 'GATEWAY_VERSION_NOT_SUPPORTED',
    detail: 'This gateway speaks HTTP/1.0, HTTP/1.1 and HTTP/2. Use one of them.',
  },
  // RFC 6750 3.1: a missing or unusable token is 401, a token without the scope 403.
  token_missing: {
    status: 401,
    code: 'GATEWAY_TOKEN_MISSING',
    detail: 'This route requires an OAuth access token. Get one from the token endpoint and send it as "Authorization: Bearer <token>".',
  },
  token_invalid: {
    status: 401,
    code: 'GATEWAY_TOKEN_INVALID',
    detail:
      'The access token is malformed, not signed by a key of the issuer this route trusts, not yet valid, or for another issuer or audience. Get a new one.',
  },
  token_expired: {
    status: 401,
    code: 'GATEWAY_TOKEN_EXPIRED',
    detail: 'The access token has expired. Get a new one from the token endpoint.',
  },
  token_binding_mismatch: {
    status: 401,
    code: 'GATEWAY_TOKEN_BINDING_MISMATCH',
    detail:
      'The access token is bound to another client certificate than the one of this connection (RFC 8705). Present the certificate it was issued to, or get a token with this one.',
  },
  insufficient_scope: {
    status: 403,
    code: 'GATEWAY_TOKEN_INSUFFICIENT_SCOPE',
    detail: 'The access token lacks a scope this route requires. Ask for it at the token endpoint.',
  },
} as const satisfies Record<string, { status: number; code: ErrorCode; detail: string }>;

export type RejectionReason = keyof typeof REJECTION_REASONS;

/** A gateway refusal as problem details: the error code's type and title, the table's detail, and the `reason`. */
export interface RejectionProblem extends ProblemDocument {
  readonly detail: string;
  readonly reason: RejectionReason;
  readonly instance?: string;
}

/** The problem details for a rejection: fixed text from the tables, never an internal error message. */
export function rejectionProblem(reason: RejectionReason, instance?: string): RejectionProblem {
  const entry = REJECTION_REASONS[reason];
  return Object.freeze(
    problemDocument(entry.status, entry.code, entry.detail, { reason, ...(instance === undefined ? {} : { instance }) }),
  ) as RejectionProblem;
}

/** The body as JSON text (RFC 9457 3). */
export function rejectionBody(reason: RejectionReason, instance?: string): string {
  return JSON.stringify(rejectionProblem(reason, instance));
}

/** The refusals that are about the access token: answered with an RFC 6750 challenge. */
export type TokenRejectionReason = 'token_missing' | 'token_invalid' | 'token_expired' | 'token_binding_mismatch' | 'insufficient_scope';

const BEARER_ERRORS: Readonly<Record<TokenRejectionReason, string | undefined>> = {
  // RFC 6750 3.1: a request without credentials gets no error code.
  token_missing: undefined,
  token_invalid: 'invalid_token',
  token_expired: 'invalid_token',
  token_binding_mismatch: 'invalid_token',
  insufficient_scope: 'insufficient_scope',
};

/**
 * The RFC 6750 3 `WWW-Authenticate` value of a token refusal: the Bearer scheme, the error and
 * its description from the table (fixed text), and for `insufficient_scope` the scopes needed.
 * `scopes` are configuration (RFC 6749 scope-tokens), never request data.
 */
export function tokenChallenge(reason: TokenRejectionReason, scopes: readonly string[]): string {
  const error = BEARER_ERRORS[reason];
  if (error === undefined) return 'Bearer realm="symbolon"';
  const description = REJECTION_REASONS[reason].detail.replaceAll('"', "'");
  const scope = reason === 'insufficient_scope' && scopes.length > 0 ? `, scope="${scopes.join(' ')}"` : '';
  return `Bearer realm="symbolon", error="${error}", error_description="${description}"${scope}`;
}
