/**
 * Why the gateway refused a request. The codes are part of the API: they appear in the
 * problem+json body, the access log and metric labels.
 */
export const REJECTION_REASONS = {
  no_certificate: { status: 403, title: 'Client certificate required', detail: 'This route requires a client certificate. Present one issued by a trusted CA during the TLS handshake.' },
  untrusted_issuer: { status: 403, title: 'Untrusted client certificate issuer', detail: 'The client certificate does not chain to a CA this gateway trusts. Use a certificate from a trusted CA and send its intermediates.' },
  expired: { status: 403, title: 'Client certificate expired', detail: 'The client certificate is past its notAfter date. Renew it and reconnect.' },
  not_yet_valid: { status: 403, title: 'Client certificate not yet valid', detail: 'The client certificate notBefore date is in the future. Check the clock of the issuing CA and of this client.' },
  revoked: { status: 403, title: 'Client certificate revoked', detail: 'The client certificate has been revoked by its CA. Obtain a new certificate.' },
  revocation_unavailable: { status: 403, title: 'Revocation status unavailable', detail: 'The revocation status of the client certificate cannot be determined and the policy is hard-fail. Retry later.' },
  wrong_usage: { status: 403, title: 'Certificate not for client authentication', detail: 'The client certificate does not allow TLS client authentication (extKeyUsage clientAuth, keyUsage digitalSignature). Use a client certificate.' },
  chain_invalid: { status: 403, title: 'Client certificate chain breaks RFC 5280', detail: 'OpenSSL accepted the client certificate chain but the strict RFC 5280 validation refused it (name constraints, key usage, extensions or path length). Ask the CA operator to reissue it.' },
  route_denied: { status: 403, title: 'Identity not allowed on this route', detail: 'The client certificate is valid but its identity is not allowed on this route. Ask the gateway operator for access.' },
  path_invalid: { status: 400, title: 'Invalid request path', detail: 'The request path has empty segments, parameters on a dot segment, encoded separators, bad percent-encoding or control characters. Send a normalized absolute path.' },
  host_invalid: { status: 400, title: 'Invalid host', detail: 'The Host (or :authority) is not a host name, an IPv4 address or a bracketed IPv6 literal with an optional port. Send the host of the URL.' },
  misdirected: { status: 421, title: 'Misdirected request', detail: 'This gateway serves no route for the host the request names. Send it to the server of that host.' },
  no_route: { status: 404, title: 'No route', detail: 'No route of this gateway matches the host and path. Check the URL.' },
  upstream_unavailable: { status: 502, title: 'Upstream unavailable', detail: 'The gateway could not reach the service behind this route or the connection failed. Retry later.' },
  upstream_timeout: { status: 504, title: 'Upstream timeout', detail: 'The service behind this route did not answer in time. Retry later.' },
  bad_request: { status: 400, title: 'Malformed HTTP request', detail: 'The request breaks HTTP/1.1 message syntax (RFC 9112): its request line, a header field or its body framing is invalid or ambiguous. Fix the client.' },
  request_timeout: { status: 408, title: 'Request timeout', detail: 'The request head or body did not arrive in time. Send the whole request promptly.' },
  expectation_failed: { status: 417, title: 'Expectation not supported', detail: 'The Expect header names an expectation other than 100-continue. Remove it.' },
  header_too_large: { status: 431, title: 'Request header fields too large', detail: 'The request line and header fields exceed the size or count this gateway accepts. Send fewer or smaller header fields.' },
  not_implemented: { status: 501, title: 'Not implemented', detail: 'The request uses a method or transfer coding this gateway does not relay (CONNECT, or a transfer coding other than chunked). Send it without.' },
  version_not_supported: { status: 505, title: 'HTTP version not supported', detail: 'This gateway speaks HTTP/1.0, HTTP/1.1 and HTTP/2. Use one of them.' },
} as const satisfies Record<string, { status: number; title: string; detail: string }>;

export type RejectionReason = keyof typeof REJECTION_REASONS;

/** An RFC 9457 problem details object with the `reason` extension member. */
export interface ProblemDetails {
  readonly type: string;
  readonly title: string;
  readonly status: number;
  readonly detail: string;
  readonly reason: RejectionReason;
  readonly instance?: string;
}

/** RFC 9457 3: the media type of the body. */
export const PROBLEM_CONTENT_TYPE = 'application/problem+json';

/** RFC 9457 3.1.1: a non-resolvable type may be a tag URI (RFC 4151). */
export function problemType(reason: RejectionReason): string {
  return `tag:symbolon.dev,2026:gateway/${reason}`;
}

/** The problem details for a rejection: fixed text from the table, never an internal error message. */
export function rejectionProblem(reason: RejectionReason, instance?: string): ProblemDetails {
  const entry = REJECTION_REASONS[reason];
  const problem: ProblemDetails = { type: problemType(reason), title: entry.title, status: entry.status, detail: entry.detail, reason, ...(instance === undefined ? {} : { instance }) };
  return Object.freeze(problem);
}

/** The body as JSON text (RFC 9457 3). */
export function rejectionBody(reason: RejectionReason, instance?: string): string {
  return JSON.stringify(rejectionProblem(reason, instance));
}
