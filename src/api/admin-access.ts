import type { AdminIdentity } from './api-route.js';

/**
 * How the admin API learns who calls: the caller's verdict on the TLS client certificate (its
 * DER, chain-checked by the TLS layer), made by the one role check `up` uses for every role held
 * in the CA's records (`services/gateway-access.ts`, with the admin profile).
 */
export type AdminAccess =
  | ({ readonly ok: true } & AdminIdentity)
  | {
      readonly ok: false;
      readonly reason:
        'no-certificate' | 'malformed-certificate' | 'foreign-issuer' | 'unknown-certificate' | 'wrong-profile' | 'revoked' | 'expired';
    };

/** The status and error code each refusal is answered with: 401 without a certificate, 403 with one that is not a valid admin's. */
export function accessRefusal(reason: Extract<AdminAccess, { ok: false }>['reason']): {
  readonly status: 401 | 403;
  readonly code: 'API_CLIENT_CERTIFICATE_REQUIRED' | 'API_NOT_ADMIN' | 'API_ADMIN_REVOKED' | 'API_ADMIN_EXPIRED';
} {
  switch (reason) {
    case 'no-certificate':
      return { status: 401, code: 'API_CLIENT_CERTIFICATE_REQUIRED' };
    case 'revoked':
      return { status: 403, code: 'API_ADMIN_REVOKED' };
    case 'expired':
      return { status: 403, code: 'API_ADMIN_EXPIRED' };
    default:
      return { status: 403, code: 'API_NOT_ADMIN' };
  }
}
