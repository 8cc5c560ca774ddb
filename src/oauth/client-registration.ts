import { SymbolonError } from '../errors.js';
import { importVerificationKeys } from '../access-token/index.js';
import type { NewOAuthClient, OAuthCertificateName } from '../store/index.js';
import { ipToBytes, parseName } from '../x509/index.js';

/** RFC 6749 A.1 allows more; these are what a command line and a log line carry safely. */
const CLIENT_ID = /^[A-Za-z0-9._:-]{1,128}$/;
/** RFC 6749 3.3: scope-token = 1*( %x21 / %x23-5B / %x5D-7E ). */
const SCOPE = /^[\x21\x23-\x5b\x5d-\x7e]{1,128}$/;
const MAX_SCOPES = 100;
const MAX_AUDIENCES = 20;

/** Whether `text` has the form of a client_id this server registers. */
export function isClientId(text: string): boolean {
  return CLIENT_ID.test(text);
}

export interface ClientRegistration {
  readonly id: string;
  /** tls_client_auth: exactly one certificate name; self_signed_tls_client_auth: a JWKS of its keys. */
  readonly certificateName?: OAuthCertificateName;
  readonly jwks?: unknown;
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
}

function invalid(detail: string): SymbolonError {
  return new SymbolonError('OAUTH_CLIENT_INVALID', `the OAuth client is not valid: ${detail}`);
}

function checkCertificateName(name: OAuthCertificateName): OAuthCertificateName {
  const value = name.value.trim();
  if (value === '' || value.length > 1024) throw invalid('the certificate name is empty or longer than 1024 characters');
  switch (name.kind) {
    case 'subject_dn':
      try {
        parseName(value);
      } catch (error) {
        throw invalid(`the subject DN "${value}" is not RFC 4514 text (${error instanceof Error ? error.message : String(error)})`);
      }
      break;
    case 'san_ip':
      if (ipToBytes(value) === undefined) throw invalid(`"${value}" is not an IP address`);
      break;
    case 'san_dns':
      if (!/^[A-Za-z0-9*._-]+$/.test(value)) throw invalid(`"${value}" is not a DNS name`);
      break;
    case 'san_email':
      if (!/^[^\s@]+@[^\s@]+$/.test(value)) throw invalid(`"${value}" is not an email address`);
      break;
    case 'san_uri':
      if (!URL.canParse(value)) throw invalid(`"${value}" is not a URI`);
      break;
  }
  return { kind: name.kind, value };
}

/**
 * A client as the store records it, from a registration made of untrusted input (the command
 * line, a JWKS file): its client_id, one way to authenticate it (RFC 8705 2.1.2 or 2.2), its
 * scopes and audiences. Throws `OAUTH_CLIENT_INVALID` naming what is wrong.
 */
export function checkClientRegistration(registration: ClientRegistration, now: Date): NewOAuthClient {
  if (!CLIENT_ID.test(registration.id))
    throw invalid(`client_id "${registration.id.slice(0, 140)}" has characters or a length not allowed`);
  const scopes = [...new Set(registration.scopes)];
  if (scopes.length > MAX_SCOPES) throw invalid(`at most ${MAX_SCOPES} scopes`);
  for (const scope of scopes) if (!SCOPE.test(scope)) throw invalid(`scope "${scope.slice(0, 140)}" is not an RFC 6749 scope token`);
  const audiences = [...new Set(registration.audiences)];
  if (audiences.length === 0 || audiences.length > MAX_AUDIENCES) throw invalid(`1 to ${MAX_AUDIENCES} audiences`);
  for (const audience of audiences)
    if (audience === '' || audience.length > 512 || !/^[\x21-\x7e]+$/.test(audience))
      throw invalid(`audience "${audience.slice(0, 140)}" is not valid`);
  if ((registration.certificateName === undefined) === (registration.jwks === undefined))
    throw invalid('give exactly one of a certificate name (tls_client_auth) and a JWKS or certificate (self_signed_tls_client_auth)');
  if (registration.certificateName !== undefined) {
    return {
      id: registration.id,
      authMethod: 'tls_client_auth',
      certificateName: checkCertificateName(registration.certificateName),
      jwks: null,
      scopes,
      audiences,
      createdAt: now,
    };
  }
  const keys = importVerificationKeys(registration.jwks);
  const listed = (registration.jwks as { keys?: unknown[] } | null)?.keys;
  if (keys === undefined || !Array.isArray(listed) || listed.length === 0)
    throw invalid('the JWKS is not {"keys": [...]} with at least one public key');
  const publicKeys = listed.map((jwk) => {
    if (typeof jwk !== 'object' || jwk === null) throw invalid('a JWKS entry is not an object');
    const entry = jwk as Record<string, unknown>;
    if (entry['d'] !== undefined || entry['k'] !== undefined)
      throw invalid('the JWKS holds a private or symmetric key; give public keys only');
    return Object.freeze({ ...entry });
  });
  return {
    id: registration.id,
    authMethod: 'self_signed_tls_client_auth',
    certificateName: null,
    jwks: { keys: publicKeys },
    scopes,
    audiences,
    createdAt: now,
  };
}
