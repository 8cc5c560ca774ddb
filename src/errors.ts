/**
 * Every error Symbolon raises carries one of these codes. The codes are part of the API: they
 * appear in CLI output, problem+json bodies, metric labels and logs, and tests assert on them.
 * Each entry says what went wrong in words a person can act on.
 */
export const ERROR_CODES = {
  // asn1/ — DER reader and writer
  ASN1_TRUNCATED: 'the DER data ends before the element it announces',
  ASN1_BAD_LENGTH: 'a DER length is malformed, not minimal, or runs past its container',
  ASN1_INDEFINITE_LENGTH: 'indefinite lengths are BER, not DER, and are refused',
  ASN1_TRAILING_DATA: 'bytes follow the end of the DER element',
  ASN1_TOO_DEEP: 'the DER nesting is deeper than any certificate needs',
  ASN1_TOO_LARGE: 'the DER input is larger than the limit for this kind of object',
  ASN1_BAD_TAG: 'a DER element has a tag form that is not allowed here',
  ASN1_UNEXPECTED_TAG: 'a DER element is not of the type the structure requires here',
  ASN1_BAD_VALUE: 'a DER value is not encoded as DER requires for its type',
  ASN1_VALUE_OUT_OF_RANGE: 'a value cannot be encoded in DER as given',

  // x509/ — PEM
  PEM_NOT_FOUND: 'no PEM block with the expected label was found',
  PEM_BAD_BASE64: 'the PEM body is not valid base64',
  PEM_BAD_LABEL: 'the PEM block has a label that does not fit here',
  PEM_UNTERMINATED: 'a PEM block has a BEGIN line without its END line',

  // x509/ — certificates, names, extensions
  NAME_GLOB_INVALID: 'a name glob is malformed: "*" and "**" stand for whole segments only, and a glob is 1 to 2048 characters',
  CERT_MALFORMED: 'the data is not a well-formed X.509 certificate',
  CERT_UNSUPPORTED_VERSION: 'the certificate version is not v1, v2 or v3',
  CERT_BAD_EXTENSION: 'a certificate extension is malformed',
  CERT_DUPLICATE_EXTENSION: 'a certificate extension appears more than once',
  CERT_BAD_SERIAL: 'a serial number must be positive and at most 20 octets',
  CERT_BAD_VALIDITY: 'the validity period is impossible (notAfter before notBefore)',
  CERT_BAD_NAME: 'a distinguished name or alternative name is malformed',
  CERT_INVALID_INPUT: 'the certificate template has a value that cannot be encoded',

  // x509/ — PKCS#10
  CSR_MALFORMED: 'the data is not a well-formed PKCS#10 certificate request',
  CSR_SIGNATURE_INVALID: 'the CSR is not signed by the key it carries',
  CSR_UNSUPPORTED_VERSION: 'the CSR version is not 0 (v1)',
  CSR_KEY_MISMATCH: 'the public key given for the CSR is not the key of the signer that signs it',

  // keys/ and signatures
  KEY_UNSUPPORTED_TYPE: 'the key type or size is not one Symbolon supports',
  KEY_MALFORMED: 'the data is not a well-formed private or public key',
  KEY_BAD_PASSPHRASE: 'the passphrase does not decrypt this key',
  KEY_PASSPHRASE_REQUIRED: 'the key is encrypted and needs a passphrase',
  KEY_WEAK_PASSPHRASE: 'the passphrase is too short to protect a private key',
  KEY_FILE_EXISTS: 'refusing to overwrite an existing key file',
  KEY_FILE_UNWRITABLE: 'the key file cannot be written (check that its directory exists and is writable)',
  KEY_UNSUPPORTED_ENCRYPTION: 'the private key is encrypted with a scheme Symbolon does not read (use PBES2 with AES-CBC)',
  KEY_SIGN_FAILED: 'the key could not produce a signature',
  KEY_ALGORITHM_MISMATCH: 'the signature algorithm does not fit the key',
  SIG_UNSUPPORTED_ALGORITHM: 'the signature algorithm is not one Symbolon supports',

  // store/ — persistence
  STORE_UNAVAILABLE: 'the database cannot be opened (check the path and its permissions)',
  STORE_CORRUPT: 'the database is damaged or is not a Symbolon store',
  STORE_VERSION_UNSUPPORTED: 'the database was written by a newer Symbolon; upgrade Symbolon to open it',
  STORE_SERIAL_TAKEN: 'the issuer already has a certificate with this serial number',
  STORE_ISSUER_EXISTS: 'an issuer with this identifier is already recorded',
  STORE_ISSUER_UNKNOWN: 'no issuer with this identifier is recorded',
  STORE_NOT_FOUND: 'no certificate with this issuer and serial number is recorded',
  STORE_ALREADY_REVOKED: 'the certificate is already revoked',
  STORE_TOKEN_EXISTS: 'an enrollment token with this identifier is already recorded',
  STORE_TOKEN_NOT_FOUND: 'no enrollment token with this identifier is recorded (see `symbolon ca token list`)',
  STORE_TOKEN_ALREADY_REVOKED: 'the enrollment token is already revoked',
  STORE_TOKEN_REVOKED: 'the enrollment token was revoked: its use was not taken, and what it was spent on was not recorded',
  STORE_TOKEN_EXPIRED: 'the enrollment token has expired: its use was not taken, and what it was spent on was not recorded',
  STORE_TOKEN_USED_UP: 'the enrollment token has no use left: none was taken, and what it was spent on was not recorded',
  STORE_ENROLLMENT_NOT_FOUND: 'no enrollment waiting for approval has this identifier (see `symbolon ca pending`)',
  STORE_ENROLLMENT_DECIDED: 'the enrollment was approved or rejected already',
  STORE_DATABASE_URL_INVALID: 'the database URL is not a postgres:// URL with a host and a database name',
  STORE_MIGRATION_REQUIRED: 'the database schema is older than this Symbolon; run `symbolon db migrate` once',

  // audit/ — tamper-evident log
  AUDIT_CHAIN_BROKEN: 'the audit log has an edited, removed or reordered entry',
  AUDIT_STATE_MISMATCH: "the CA's tables say something its audit log does not record: a row was edited, removed or added outside Symbolon",
  AUDIT_CHECKPOINT_INVALID: 'the audit checkpoint is malformed, or its signature is not by an intermediate of this CA',
  AUDIT_CHECKPOINT_FOREIGN: 'the audit checkpoint belongs to another data directory',
  AUDIT_CHECKPOINT_NOT_EXTENDED: 'the audit log does not extend the checkpoint: it was cut short or its entries were rewritten',

  // ca/ — hierarchy, data directory, configuration, profiles and issuance policy
  CA_DATA_DIR_MISSING: 'the data directory does not exist; run `symbolon ca init` or pass --dir',
  CA_DATA_DIR_FOREIGN: 'the directory is not a Symbolon data directory',
  CA_DATA_DIR_CORRUPT: 'the data directory is damaged: a file is missing or does not match the others',
  CA_DATA_DIR_EXISTS: 'the data directory already holds a CA or other files; choose an empty directory',
  CA_DATA_DIR_VERSION: 'the data directory was made by a newer Symbolon; upgrade Symbolon to use it',
  CA_CONFIG_INVALID: 'the CA configuration file has a field that is missing or wrong',
  CA_PROFILE_UNKNOWN: 'no certificate profile has this name',
  CA_NAME_NOT_ALLOWED: 'a requested name is not allowed by the profile',
  CA_SUBJECT_NOT_ALLOWED: 'the subject lacks a field the profile requires or has one it forbids',
  CA_KEY_TOO_WEAK: 'the key is weaker than the profile allows',
  CA_KEY_TYPE_NOT_ALLOWED: 'the key type is not one the profile allows',
  CA_LIFETIME_EXCEEDED: 'the requested lifetime is longer than the profile or the issuing CA allows',
  CA_LIFETIME_INVALID: 'a lifetime must be a positive whole number with a unit: s, m, h or d (for example 30d)',
  CA_SERIAL_EXHAUSTED: 'no unused serial number was found after several tries; the random source is broken',
  CA_CERT_NOT_FOUND: 'no certificate issued by this CA has this serial number',
  CA_CERT_AMBIGUOUS: 'more than one issuer of this CA has a certificate with this serial; name the issuer',
  CA_CERT_FOREIGN: 'the certificate was not issued by this CA',
  CA_CERT_REVOKED: 'the certificate is revoked and cannot be renewed; issue a new one',
  CA_REVOCATION_REASON_UNKNOWN: 'the revocation reason is not one of RFC 5280 CRLReason names',
  CA_ISSUER_EXPIRED: 'the issuing CA certificate has expired or is not yet valid; create a new intermediate',
  CA_ROOT_KEY_MISMATCH: 'the root key file does not belong to the root certificate of this CA',
  CA_DATA_DIR_INCOMPLETE:
    'the data directory is half made: a first start was interrupted before the CA was complete; move it away and run again',
  CA_DATA_DIR_LOCKED: 'another process (symbolon up) is running on this data directory; stop it first or pass another --dir',
  CA_ROOT_KEY_MISSING: 'the root key is not in the data directory (it was moved offline); bring the offline folder back or give --root-key',

  // x509/ — CRLs (parser)
  CRL_MALFORMED: 'the data is not a well-formed X.509 CRL',
  CRL_UNSUPPORTED_VERSION: 'the CRL version is not v1 or v2',
  CRL_BAD_EXTENSION: 'a CRL or CRL entry extension is malformed',
  CRL_DUPLICATE_EXTENSION: 'a CRL or CRL entry extension appears more than once',
  CRL_TOO_LARGE: 'the CRL is larger than the limit of the revoked-serial reader (MAX_REVOKED_SET_CRL_BYTES, or the maxBytes given)',
  CRL_CRITICAL_EXTENSION_UNSUPPORTED:
    'the CRL or one of its entries carries a critical extension that the revoked-serial reader does not process, so the CRL cannot be used (RFC 5280 5.2, 5.3)',

  // x509/ — CRLs and OCSP
  CRL_INVALID_INPUT: 'the CRL template has a value that cannot be encoded (serial, date, CRL number, reason or URI)',
  OCSP_MALFORMED_REQUEST: 'the data is not a well-formed OCSP request (RFC 6960 4.1)',
  OCSP_REQUEST_TOO_LARGE: 'the OCSP request is larger than any request this responder accepts',
  OCSP_UNSUPPORTED_VERSION: 'the OCSP request version is not v1',
  OCSP_UNSUPPORTED_HASH: 'the CertID hash algorithm is not SHA-1 or SHA-256',
  OCSP_BAD_NONCE: 'the OCSP nonce is not an OCTET STRING of 1 to 32 octets (RFC 8954)',
  OCSP_MALFORMED_RESPONSE: 'the data is not a well-formed OCSP response (RFC 6960 4.2)',
  OCSP_INVALID_INPUT: 'the OCSP request or response template has a value that cannot be encoded',

  // path/ — chain building and validation (RFC 5280 section 6)
  PATH_CERT_MALFORMED: 'a certificate in the chain is not a well-formed X.509 certificate',
  PATH_EXTENSION_INVALID: 'a certificate in the chain has a malformed or repeated extension',
  PATH_NO_ISSUER: 'no chain leads from the certificate to a trusted root: an issuer is missing',
  PATH_SIGNATURE_INVALID: 'a certificate signature does not verify with its issuer key',
  PATH_UNSUPPORTED_ALGORITHM: 'a certificate is signed with an algorithm or key Symbolon does not verify',
  PATH_EXPIRED: 'a certificate in the chain has expired',
  PATH_NOT_YET_VALID: 'a certificate in the chain is not valid yet',
  PATH_NOT_CA: 'a certificate that issues another is not a CA certificate (basicConstraints cA)',
  PATH_LENGTH_EXCEEDED: 'the chain has more CA certificates below a CA than its pathLenConstraint allows',
  PATH_KEY_USAGE_INVALID: 'a certificate key usage does not allow its role in the chain',
  PATH_EXTENDED_KEY_USAGE_INVALID: 'the chain does not allow the requested purpose (extended key usage)',
  PATH_NAME_CONSTRAINT_VIOLATED: 'a name in the chain is outside the name constraints of a CA above it',
  PATH_UNKNOWN_CRITICAL_EXTENSION: 'a certificate has a critical extension Symbolon does not process',
  PATH_POLICY_INVALID: 'no certificate policy is valid for the whole chain where one is required',
  PATH_NAME_MISMATCH: 'the certificate does not carry the expected peer name',
  PATH_REVOKED: 'a certificate in the chain is revoked',
  PATH_REVOCATION_UNKNOWN: 'no usable CRL covers a certificate whose revocation status is required',
  PATH_CRL_INVALID:
    'a CRL in scope for a certificate of the chain has no signer with cRLSign and a valid path to the same trust anchor, or cannot be processed',
  PATH_CRL_NOT_CURRENT: 'a CRL for the chain is not current at the validation time (thisUpdate or nextUpdate)',
  PATH_LIMIT_EXCEEDED: 'the chain or certificate pool needs more work than the validator allows',
  PATH_INTERNAL_ERROR: 'the validator failed unexpectedly; the chain is treated as not valid',
  // path/ — the strict profile (the default) and the RFC 5280 MUSTs kept under profile rfc5280
  PATH_AUTHORITY_KEY_ID_MISSING:
    'a certificate that is not self-signed has no authorityKeyIdentifier keyIdentifier (RFC 5280 4.2.1.1; strict profile)',
  PATH_SUBJECT_KEY_ID_MISSING: 'a CA certificate has no subjectKeyIdentifier (RFC 5280 4.2.1.2; strict profile)',
  PATH_KEY_ID_CRITICAL: 'an authorityKeyIdentifier or subjectKeyIdentifier is marked critical (RFC 5280 4.2.1.1-2; strict profile)',
  PATH_ROOT_KEY_ID_MISMATCH:
    'a self-signed trust anchor has an authorityKeyIdentifier that names another key than its own (strict profile)',
  PATH_SERIAL_NUMBER_INVALID: 'a certificate serial number is zero, negative or longer than 20 octets (RFC 5280 4.1.2.2; strict profile)',
  PATH_END_ENTITY_KEY_CERT_SIGN: 'the end-entity certificate asserts keyCertSign without being a CA (RFC 5280 4.2.1.3, 4.2.1.9)',
  PATH_END_ENTITY_IS_CA: 'the end-entity certificate is a CA certificate (basicConstraints cA=TRUE; strict profile)',
  PATH_END_ENTITY_NAME_CONSTRAINTS:
    'the end-entity certificate carries nameConstraints, which only CA certificates may (RFC 5280 4.2.1.10)',
  PATH_BASIC_CONSTRAINTS_NOT_CRITICAL:
    'a CA certificate has a basicConstraints extension that is not critical (RFC 5280 4.2.1.9; strict profile)',
  PATH_NAME_CONSTRAINTS_NOT_CRITICAL: 'a nameConstraints extension is not marked critical (RFC 5280 4.2.1.10; strict profile)',
  PATH_POLICY_CONSTRAINTS_NOT_CRITICAL: 'a policyConstraints extension is not marked critical (RFC 5280 4.2.1.11; strict profile)',
  PATH_SUBJECT_ALT_NAME_NOT_CRITICAL: 'a certificate with an empty subject lacks a critical subjectAltName (RFC 5280 4.2.1.6)',
  PATH_SUBJECT_ALT_NAME_CRITICAL:
    'a subjectAltName is marked critical beside a non-empty subject (RFC 5280 4.2.1.6 SHOULD; strict profile)',
  PATH_AUTHORITY_INFO_ACCESS_CRITICAL: 'an authorityInfoAccess extension is marked critical (RFC 5280 4.2.2.1; strict profile)',
  PATH_CA_SUBJECT_EMPTY: 'a CA certificate has an empty subject name (RFC 5280 4.1.2.6)',
  PATH_DNS_NAME_INVALID:
    'a DNS name or DNS name constraint contains an underscore, outside the preferred name syntax (RFC 5280 4.2.1.6; strict profile)',
  PATH_DNS_CONSTRAINT_LEADING_PERIOD:
    'a DNS name constraint starts with a period, which RFC 5280 4.2.1.10 does not define (strict profile)',
  PATH_CRL_NUMBER_MISSING: 'a CRL has no cRLNumber extension (RFC 5280 5.2.3; strict profile)',
  PATH_CRL_NUMBER_CRITICAL: 'a CRL has its cRLNumber extension marked critical (RFC 5280 5.2.3; strict profile)',
  PATH_TLS_EXTENDED_KEY_USAGE_MISSING: 'a TLS client or server certificate has no extendedKeyUsage (TLS profile; strict profile)',
  PATH_TLS_ANY_EXTENDED_KEY_USAGE: 'a TLS client or server certificate lists anyExtendedKeyUsage (TLS profile; strict profile)',
  PATH_ROOT_EXTENDED_KEY_USAGE: 'a self-signed trust anchor carries an extendedKeyUsage (TLS profile; strict profile)',
  PATH_WEAK_KEY:
    'a certificate key is weak: RSA under 2048 bits or not a multiple of 8, an EC curve other than P-256, P-384 or P-521, or DSA (strict profile)',
  PATH_SERVER_COMMON_NAME_NOT_IN_SAN:
    'a TLS server certificate has a subject CN that is not one of its DNS or IP subjectAltNames (strict profile)',

  // events/ — the revocation feed and its HTTP endpoint
  FEED_ROLE_REQUIRED:
    'the revocation feed is served to gateway certificates only: present a valid certificate this CA issued under the gateway profile',
  FEED_BAD_POSITION: 'the feed position must be a whole number of 0 or more (?after=N or Last-Event-ID: N)',

  // est/ — EST enrollment (RFC 7030) and enrollment tokens
  EST_AUTH_REQUIRED:
    'this EST operation needs credentials: an enrollment token (HTTP Basic: token id and secret, or Bearer id.secret) or, to re-enroll, the current certificate',
  EST_TOKEN_INVALID: 'the enrollment token is unknown or its secret is wrong',
  EST_TOKEN_EXPIRED: 'the enrollment token has expired; make a new one with `symbolon ca token create`',
  EST_TOKEN_USED_UP: 'the enrollment token has been used as many times as it allows',
  EST_TOKEN_REVOKED: 'the enrollment token was revoked',
  EST_SCOPE_MISMATCH:
    'the credential (an enrollment token, or the certificate being renewed) is for another profile than this EST label selects',
  EST_SERVERKEYGEN_HELD:
    'serverkeygen is not offered under a profile that requires approval (the key would wait on the server): send simpleenroll with a key of your own',
  EST_NAME_NOT_IN_SCOPE: 'a name in the request is not one the enrollment token allows (its --name patterns)',
  EST_LABEL_UNKNOWN: 'the EST label names no profile of this CA',
  EST_NOT_BASE64: 'the request body is not base64 (RFC 7030 4.2.1: a base64 PKCS#10 request)',
  EST_CSR_EXTENSION_FORBIDDEN:
    'the request asks for an extension a client may not choose (only subjectAltName, keyUsage, extendedKeyUsage, subjectKeyIdentifier and a non-CA basicConstraints are accepted)',
  EST_POP_MISMATCH:
    "the request's challengePassword is not this TLS channel's tls-unique value (RFC 7030 3.5): the request was made for another connection",
  EST_REENROLL_CERTIFICATE_REQUIRED: 'simplereenroll is authenticated by the current certificate: present it as the TLS client certificate',
  EST_REENROLL_CERTIFICATE_UNKNOWN: 'the TLS client certificate is not one this CA issued',
  EST_REENROLL_CERTIFICATE_REVOKED: 'the TLS client certificate is revoked: enroll again with a token',
  EST_REENROLL_CERTIFICATE_EXPIRED: 'the TLS client certificate has expired (or is not valid yet): enroll again with a token',
  EST_REENROLL_SUBJECT_MISMATCH: 'simplereenroll must ask for the subject and names of the current certificate (RFC 7030 4.2.2)',
  EST_ENROLLMENT_REJECTED: 'the enrollment was rejected by an operator (`symbolon ca reject`)',

  // oauth/ and access-token/ — the authorization server (RFC 6749 client credentials, RFC 8705 bound tokens)
  STORE_OAUTH_CLIENT_EXISTS: 'an OAuth client with this client_id is already registered',
  STORE_OAUTH_CLIENT_NOT_FOUND: 'no OAuth client with this client_id is registered (see `symbolon oauth client list`)',
  OAUTH_CLIENT_INVALID:
    'the OAuth client registration is not valid: a client_id of letters, digits, ".", "_", "-", ":" (1 to 128), one way to authenticate it, scopes and audiences',
  OAUTH_SIGNING_KEY_INVALID: 'a token signing key file in the data directory is damaged or is not a P-256 key; move it away and restart',
  OAUTH_SIGNING_KEY_CONFLICT:
    "the store publishes another public key under the kid of one of this node's signing keys: move the node's oauth-keys folder away and restart (a copy of another node's keys, or an edited database)",
  OAUTH_ISSUER_INVALID:
    'the OAuth issuer identifier is not an https:// URL without query or fragment (RFC 8414 2); every node behind one load balancer gives the same one',
  OAUTH_INVALID_REQUEST:
    'the token request is malformed (RFC 6749 5.2 invalid_request): check its method, content type, size and parameters',
  OAUTH_INVALID_CLIENT:
    'client authentication failed (RFC 6749 5.2 invalid_client): the client is unknown, or its TLS client certificate is missing or not the registered one',
  OAUTH_UNSUPPORTED_GRANT_TYPE: 'the grant type is not one this authorization server issues tokens for (client_credentials)',
  OAUTH_INVALID_SCOPE: 'a requested scope is not one the client is registered for',
  OAUTH_INVALID_TARGET: 'the requested resource or audience is not one the client is registered for (RFC 8707 invalid_target)',
  GATEWAY_TOKEN_MISSING: 'this route requires an OAuth access token (Authorization: Bearer) and none was sent',
  GATEWAY_TOKEN_INVALID: 'the access token is malformed, not signed by a key of the configured issuer, or for another issuer or audience',
  GATEWAY_TOKEN_EXPIRED: 'the access token has expired; get a new one from the token endpoint',
  GATEWAY_TOKEN_BINDING_MISMATCH:
    'the access token is bound to another certificate than the one of this connection (RFC 8705 3): present the certificate it was issued to',
  GATEWAY_TOKEN_INSUFFICIENT_SCOPE: 'the access token lacks a scope this route requires',
  GATEWAY_JWKS_UNAVAILABLE: "the token issuer's JWKS cannot be fetched or does not parse; the last good key set is kept",

  // crl/ and ocsp/ — publication and the responder
  CRL_ISSUER_UNKNOWN: 'no CRL is published for this issuer (it is not one of this CA, or its key is locked)',
  CRL_WRITE_FAILED:
    'a CRL was signed but its file could not be written (disk full, read-only or missing directory); it is served over HTTP, the file on disk is older',

  // HTTP servers (crl/, ocsp/, events/)
  HTTP_NOT_FOUND: 'nothing is served at this path',
  HTTP_METHOD_NOT_ALLOWED: 'this path does not take this HTTP method',
  HTTP_UNSUPPORTED_MEDIA_TYPE: 'the request body has a content type this path does not take (OCSP wants application/ocsp-request)',
  HTTP_BODY_TOO_LARGE: 'the request body is larger than this path accepts',
  HTTP_URI_TOO_LONG: 'the request path is longer than any valid request needs',
  HTTP_HEADERS_TOO_LARGE: 'the request head (request line and header fields) is larger than the server reads (16 KiB)',
  HTTP_CHUNKED_FRAMING: 'a chunked message body (RFC 9112 7.1) is malformed: the message cannot be relayed and the connection is closed',
  HTTP_INTERNAL_ERROR: 'the server failed to answer this request (it keeps serving others); retry, and report it if it lasts',
  HTTP_LISTEN_FAILED: 'the server cannot listen on this address (in use, not local, or not allowed); choose another',

  // cli/ — every command
  CLI_COMMAND_FAILED: 'the command ran and said why its answer is no (exit code 1)',

  // cli/ — symbolon up
  UP_NO_ISSUER_UNLOCKED: 'no intermediate key could be unlocked with the passphrase given, so nothing can be signed',

  // gateway/ — route rules, route table, identity headers, configuration
  GATEWAY_RULE_INVALID: 'a route allow/deny rule is malformed (check its glob, fingerprint or OID)',
  GATEWAY_ROUTE_INVALID: 'a route has an invalid host or path prefix, or duplicates another route',
  GATEWAY_HEADER_UNSAFE: 'an identity header value would carry a character that is not printable ASCII',
  GATEWAY_CONFIG_INVALID: 'the gateway configuration is not valid (the message names the bad field)',
  GATEWAY_FILE_UNREADABLE: 'a file the gateway configuration names cannot be read',
  GATEWAY_TLS_MATERIAL_INVALID:
    'a certificate, key or CA file of the gateway configuration is not usable (not PEM, key does not match, no certificate)',
  GATEWAY_RELOAD_REFUSED: 'the new gateway configuration changes something that needs a restart (listener addresses, workers)',

  // gateway/ — why the gateway refused a request (the `reason` of its problem+json, log and metrics)
  GATEWAY_NO_CERTIFICATE: 'this route requires a client certificate and none was presented',
  GATEWAY_UNTRUSTED_ISSUER: 'the client certificate does not chain to a CA this route trusts',
  GATEWAY_CERT_EXPIRED: 'the client certificate has expired',
  GATEWAY_CERT_NOT_YET_VALID: 'the client certificate is not valid yet',
  GATEWAY_CERT_REVOKED: 'the client certificate has been revoked by its CA',
  GATEWAY_REVOCATION_UNAVAILABLE: 'the revocation status of the client certificate cannot be determined and the policy is hard-fail',
  GATEWAY_WRONG_USAGE: 'the client certificate is not for TLS client authentication',
  GATEWAY_CHAIN_INVALID: 'the client certificate chain breaks strict RFC 5280 validation',
  GATEWAY_ROUTE_DENIED: 'the client identity is not allowed on this route',
  GATEWAY_PATH_INVALID: 'the request path is not a normalized absolute path',
  GATEWAY_HOST_INVALID: 'the Host (or :authority) is not a valid host with an optional port',
  GATEWAY_MISDIRECTED: 'this gateway serves no route for the host the request names',
  GATEWAY_NO_ROUTE: 'no route of this gateway matches the host and path',
  GATEWAY_UPSTREAM_UNAVAILABLE: 'the service behind this route cannot be reached or failed',
  GATEWAY_BAD_REQUEST: 'the request breaks HTTP/1.1 message syntax (RFC 9112)',
  GATEWAY_REQUEST_TIMEOUT: 'the request head or body did not arrive in time',
  GATEWAY_EXPECTATION_FAILED: 'the Expect header names an expectation other than 100-continue',
  GATEWAY_HEADER_TOO_LARGE: 'the request line and header fields are larger than the gateway accepts',
  GATEWAY_NOT_IMPLEMENTED: 'the request uses a method or transfer coding the gateway does not relay',
  GATEWAY_VERSION_NOT_SUPPORTED: 'the request uses an HTTP version the gateway does not speak',

  // gateway/revocation/ — the feed client, CRL and OCSP sources
  GATEWAY_REVOCATION_NO_FEED: 'a feed revocation source needs a url, or must run inside `symbolon up`, which hands it the feed in process',
  GATEWAY_REVOCATION_NO_CLIENT_CERTIFICATE:
    'a feed revocation source needs a client certificate and key (certFile and keyFile, or a listener certificate to default to)',
  GATEWAY_REVOCATION_SNAPSHOT_INVALID:
    'the revocation snapshot file is damaged or belongs to another feed; it is ignored and the feed is read from the start',
  GATEWAY_REVOCATION_SNAPSHOT_UNWRITABLE:
    'the revocation snapshot file cannot be written (check that its directory exists and is writable)',
  GATEWAY_FEED_CONNECTION_FAILED: 'the revocation feed cannot be reached or closed the stream (the gateway reconnects by itself)',
  GATEWAY_FEED_REFUSED: 'the revocation feed answered with an HTTP error (a 403 means the gateway certificate lacks the gateway profile)',
  GATEWAY_FEED_FRAME_INVALID:
    'the revocation feed sent an event that does not parse; the gateway reconnects and resumes from its last sequence',
  GATEWAY_FEED_FRAME_TOO_LARGE: 'the revocation feed sent a line or event larger than any real one; the gateway reconnects',
  GATEWAY_FEED_ISSUER_UNKNOWN: 'the revocation feed sent a revocation without its issuer key identifier; the entry is skipped',
  GATEWAY_CRL_UNREADABLE:
    'the CRL file or URL cannot be read (missing, timed out, HTTP error or over the size cap); the last good CRL is kept',
  GATEWAY_CRL_INVALID: 'a CRL of the source does not parse; it is skipped',
  GATEWAY_OCSP_QUERY_FAILED:
    'the OCSP responder could not be asked, or its answer is not usable for this certificate; the status is unavailable',
  GATEWAY_UPSTREAM_TIMEOUT: 'the service behind this route did not answer in time',
  GATEWAY_UPSTREAM_CONNECT_TIMEOUT: 'connecting to the upstream timed out',
  GATEWAY_CRL_SIGNER_UNKNOWN: 'a CRL names a CA key of the trust bundle but is not signed by it; it is refused',

  // client/ — the agent, the SDK and the tunnel (EST client, renewal, credential directory)
  PKCS7_MALFORMED: 'the answer is not a certs-only PKCS#7 (RFC 7030 4.1.3) holding at least one certificate',
  CLIENT_OPTIONS_INVALID: 'the client options are not valid (EST URL, CA certificates, token, names, lifetimes)',
  CLIENT_EST_UNREACHABLE: 'the EST server cannot be reached (refused, timed out or closed); the current certificate stays in place',
  CLIENT_EST_UNTRUSTED:
    'the EST server presented a certificate that does not verify against the CA certificates given (a wrong --ca?); nothing was sent',
  CLIENT_EST_REFUSED: 'the EST server refused the request; its own code and reason follow',
  CLIENT_EST_PENDING: 'the enrollment waits for approval by an operator (`symbolon ca approve`); it is retried',
  CLIENT_EST_RESPONSE_INVALID: 'the EST answer is not a certificate for the key that was sent, issued by the CA given',
  CLIENT_CERTIFICATE_NOT_YET_VALID:
    'the new certificate is not valid yet by this clock (clock skew); the current certificate stays until the new one is',
  CLIENT_CERTIFICATE_REVOKED: 'the current certificate is revoked and no enrollment token may replace it',
  CLIENT_TOKEN_REQUIRED:
    'there is no certificate to renew (none yet, or the CA will no longer renew it): enroll with an enrollment token (--token)',
  CLIENT_CREDENTIAL_WRITE_FAILED:
    'the new key and certificate could not be written (disk full, permissions); the current ones stay in place',
  CLIENT_CREDENTIAL_DIR_INVALID: 'the credential directory does not hold a key and certificate that belong together',
  CLIENT_RELOAD_FAILED: 'the reload command failed (or the signal could not be sent) after the certificate was renewed',
  CLIENT_RELOAD_TIMEOUT: 'the reload command did not finish in time and was killed',
  TUNNEL_CLIENT_DENIED: "the client certificate is not one the tunnel's rules allow",
  TUNNEL_TARGET_UNREACHABLE: 'the tunnel could not connect to the other side',
  // api/ — the admin API (mTLS, certificates of the admin profile)
  API_CLIENT_CERTIFICATE_REQUIRED: 'the admin API needs a TLS client certificate of the admin profile issued by this CA',
  API_NOT_ADMIN: 'the TLS client certificate is not an admin certificate of this CA (another profile, or not one this CA recorded)',
  API_ADMIN_REVOKED: 'the admin certificate presented is revoked',
  API_ADMIN_EXPIRED: 'the admin certificate presented has expired (or is not valid yet)',
  API_QUERY_INVALID: 'a query parameter or path segment is malformed (a filter, a limit over the maximum, a cursor, a serial)',
  API_BODY_INVALID: 'the request body is not the JSON object this call takes (malformed JSON, a missing or wrong field)',
  API_ISSUANCE_UNAVAILABLE: 'the CA cannot issue now: the active intermediate key is not unlocked in this process',

  // monitoring/ — expiry alerts and gateway health
  ALERT_WEBHOOK_FAILED: 'an expiry alert could not be delivered to the webhook after its retries; it is tried again at the next check',
  GATEWAY_SCRAPE_FAILED: "a gateway's metrics endpoint could not be read or did not parse; the gateway is shown down",

  // cli/ and input files
  INPUT_UNREADABLE: 'the input file or stream cannot be read',
  INPUT_TOO_LARGE: 'the input is larger than any object of this kind',
  INPUT_UNRECOGNIZED: 'the input is not a certificate, CSR, key or CRL in PEM or DER',
  INPUT_EMPTY: 'the input is empty: there is nothing to read',
  OUTPUT_FILE_EXISTS: 'refusing to overwrite an existing file (give --force to replace it)',
  OUTPUT_UNWRITABLE: 'the output file cannot be written (check that its directory exists and is writable)',
  USAGE: 'the command line is not valid for this command',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;

/**
 * Marks every SymbolonError. A registered symbol, not the class itself, so an error made by a
 * second copy of this module (two installed versions, a bundled dependency) is still recognised,
 * as undici recognises its errors.
 */
const SYMBOLON_ERROR = Symbol.for('symbolon.error');

/** The one error class of Symbolon: a stable `code` and a message a person can act on. */
export class SymbolonError extends Error {
  readonly code: ErrorCode;
  readonly [SYMBOLON_ERROR] = true;

  constructor(code: ErrorCode, message?: string, options?: ErrorOptions) {
    super(message ?? ERROR_CODES[code], options);
    this.name = 'SymbolonError';
    this.code = code;
  }

  /** `instanceof SymbolonError` holds for errors of any copy of this module; a subclass keeps the prototype check. */
  static override [Symbol.hasInstance](value: unknown): boolean {
    if (this !== SymbolonError) return Function.prototype[Symbol.hasInstance].call(this, value);
    return typeof value === 'object' && value !== null && (value as { [SYMBOLON_ERROR]?: unknown })[SYMBOLON_ERROR] === true;
  }
}

/** A DER decoding or encoding failure, with the byte offset where it was found. */
export class Asn1Error extends SymbolonError {
  readonly offset: number;

  constructor(code: ErrorCode, offset: number, message?: string) {
    super(code, `${message ?? ERROR_CODES[code]} (at byte ${offset})`);
    this.name = 'Asn1Error';
    this.offset = offset;
  }
}

/** The `code` an error carries (a Symbolon code, an errno name such as `ENOENT`, an SQLite code), if any. */
export function errorCodeOf(error: unknown): string | undefined {
  return typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : undefined;
}

/** A SymbolonError (of any copy of this module), and when `code` is given, one with that code. */
export function isSymbolonError(value: unknown, code?: ErrorCode): value is SymbolonError {
  return value instanceof SymbolonError && (code === undefined || value.code === code);
}
