// The admin API as the dashboard uses it (the contract: /api/openapi.json). Every call is a
// same-origin fetch: the browser presents the admin client certificate on the TLS connection.

export type CertificateStatus = 'valid' | 'revoked' | 'expired';

export interface CertificateSummary {
  readonly serial: string;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly profile: string;
  readonly issuerId: string;
  readonly status: CertificateStatus;
  readonly notBefore: string;
  readonly notAfter: string;
  readonly revokedAt: string | null;
  readonly revocationReason: string | null;
}

export interface CertificateDetail extends CertificateSummary {
  readonly fingerprintSha256: string;
  readonly pem: string;
  readonly chain: readonly string[];
  readonly decoded: {
    readonly version: number;
    readonly signatureAlgorithm: string;
    readonly publicKey: { readonly algorithm: string; readonly size?: number; readonly curve?: string };
    readonly issuer: string;
    readonly extensions: readonly { readonly oid: string; readonly name: string; readonly critical: boolean; readonly value: string }[];
  };
}

export interface Page<Item> {
  readonly items: readonly Item[];
  readonly nextCursor: string | null;
}

export interface EnrollmentToken {
  readonly id: string;
  readonly profile: string;
  readonly names: readonly string[];
  readonly label: string | null;
  readonly uses: number;
  readonly usesLeft: number;
  readonly expiresAt: string;
  readonly createdAt: string;
  readonly revokedAt: string | null;
  /** usable, used-up, expired or revoked. */
  readonly state: string;
}

export interface OAuthClient {
  readonly id: string;
  readonly authMethod: 'tls_client_auth' | 'self_signed_tls_client_auth';
  readonly certificateName: { readonly kind: string; readonly value: string } | null;
  readonly jwks: { readonly keys: readonly unknown[] } | null;
  readonly scopes: readonly string[];
  readonly audiences: readonly string[];
  readonly createdAt: string;
}

export interface Approval {
  readonly id: string;
  readonly requester: string;
  readonly profile: string;
  readonly label: string | null;
  readonly subject: string;
  readonly sans: readonly string[];
  readonly requestedAt: string;
  readonly status: string;
}

export interface AuditEntry {
  readonly sequence: number;
  readonly at: string;
  readonly actor: string;
  readonly action: string;
  readonly target: string;
  readonly payload: unknown;
  readonly entryHash: string;
}

export interface AuditPage extends Page<AuditEntry> {
  readonly chain: { readonly status: 'intact' | 'broken'; readonly checkedEntries: number; readonly brokenAt: number | null };
}

export interface Stats {
  readonly byProfile: Readonly<Record<string, Readonly<Record<string, number>>>>;
  readonly soonestExpiry: string | null;
  readonly revocations: number;
  readonly expiryTimeline: readonly { readonly day: string; readonly profile: string; readonly count: number }[];
}

export interface GatewaySample {
  readonly at: string;
  readonly requests: number;
  readonly rejections: Readonly<Record<string, number>>;
}

export interface Gateways {
  readonly gateways: readonly {
    readonly name: string;
    readonly metricsUrl: string;
    readonly up: boolean;
    readonly series: readonly GatewaySample[];
  }[];
}

/** A refusal of the API, from its problem+json body (RFC 9457). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

async function request<Result>(method: string, path: string, body?: unknown): Promise<Result> {
  const init: RequestInit = { method, headers: { accept: 'application/json' }, credentials: 'same-origin' };
  if (body !== undefined) {
    init.headers = { accept: 'application/json', 'content-type': 'application/json' };
    init.body = JSON.stringify(body);
  }
  const response = await fetch(`/api${path}`, init);
  const text = await response.text();
  if (!response.ok) {
    let code = `HTTP_${response.status}`;
    let message = `${response.status} ${response.statusText}`;
    try {
      const problem = JSON.parse(text) as { code?: unknown; title?: unknown; detail?: unknown };
      if (typeof problem.code === 'string') code = problem.code;
      if (typeof problem.detail === 'string') message = problem.detail;
      else if (typeof problem.title === 'string') message = problem.title;
    } catch {
      // Not a problem document (a proxy's page): the status line says what there is to say.
    }
    throw new ApiError(response.status, code, message);
  }
  return (text === '' ? undefined : JSON.parse(text)) as Result;
}

export interface CertificateFilters {
  readonly q?: string;
  readonly profile?: string;
  readonly status?: CertificateStatus | '';
  readonly expiresAfter?: string;
  readonly expiresBefore?: string;
}

function query(fields: Readonly<Record<string, string | number | undefined>>): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(fields)) if (value !== undefined && value !== '') params.set(key, String(value));
  const text = params.toString();
  return text === '' ? '' : `?${text}`;
}

export const api = {
  certificates: (filters: CertificateFilters, limit: number, cursor?: string) =>
    request<Page<CertificateSummary>>('GET', `/certificates${query({ ...filters, limit, cursor })}`),
  certificate: (serial: string) => request<CertificateDetail>('GET', `/certificates/${encodeURIComponent(serial)}`),
  downloadUrl: (serial: string, format: 'pem' | 'der' | 'p12') =>
    `/api/certificates/${encodeURIComponent(serial)}/download?format=${format}`,
  revoke: (serial: string, reason: string) =>
    request<CertificateDetail>('POST', `/certificates/${encodeURIComponent(serial)}/revoke`, { reason }),
  renew: (serial: string) => request<CertificateDetail>('POST', `/certificates/${encodeURIComponent(serial)}/renew`),
  tokens: () => request<{ items: readonly EnrollmentToken[] }>('GET', '/tokens'),
  createToken: (body: { names: readonly string[]; profile: string; uses?: number; expiresIn?: string }) =>
    request<EnrollmentToken & { secret: string }>('POST', '/tokens', body),
  revokeToken: (id: string) => request<unknown>('DELETE', `/tokens/${encodeURIComponent(id)}`),
  oauthClients: () => request<{ items: readonly OAuthClient[] }>('GET', '/oauth/clients'),
  removeOAuthClient: (id: string) => request<unknown>('DELETE', `/oauth/clients/${encodeURIComponent(id)}`),
  approvals: () => request<{ items: readonly Approval[] }>('GET', '/approvals'),
  decide: (id: string, decision: 'approve' | 'reject') => request<unknown>('POST', `/approvals/${encodeURIComponent(id)}/${decision}`),
  audit: (limit: number, cursor?: string) => request<AuditPage>('GET', `/audit${query({ limit, cursor })}`),
  stats: () => request<Stats>('GET', '/stats'),
  gateways: () => request<Gateways>('GET', '/gateways'),
};
