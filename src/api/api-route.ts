import type { IncomingMessage, ServerResponse } from 'node:http';

/** Who called: the admin certificate the request was authorized by. */
export interface AdminIdentity {
  readonly issuerId: string;
  readonly serial: string;
  readonly subject: string;
}

/** What a route's handler gets. */
export interface ApiCall {
  readonly req: IncomingMessage;
  readonly res: ServerResponse;
  readonly query: URLSearchParams;
  /** The path's `{name}` segments, as matched. */
  readonly params: Readonly<Record<string, string>>;
  readonly admin: AdminIdentity;
}

export type ApiMethod = 'GET' | 'POST' | 'DELETE';

/**
 * One operation of the admin API: `path` is its OpenAPI path template below `/api`
 * (`/certificates/{serial}`), so the served routes and the OpenAPI document can be compared.
 */
export interface ApiRoute {
  readonly method: ApiMethod;
  readonly path: string;
  /** Changes the CA's records (an audit entry names the admin): statistics are recomputed after it. */
  readonly isChange: boolean;
  handle(call: ApiCall): Promise<void>;
}

/** The audit actor of an admin: the certificate's issuer, serial and subject. */
export function adminActor(admin: AdminIdentity): string {
  return `admin:${admin.issuerId}/${admin.serial} ${admin.subject}`;
}

/** Matches a request path (below `/api`) against a path template; the `{name}` segments, or undefined. */
export function matchPath(template: string, path: string): Record<string, string> | undefined {
  const want = template.split('/');
  const got = path.split('/');
  if (want.length !== got.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < want.length; i++) {
    const segment = want[i]!;
    if (segment.startsWith('{') && segment.endsWith('}')) {
      if (got[i] === '') return undefined;
      params[segment.slice(1, -1)] = got[i]!;
    } else if (segment !== got[i]) return undefined;
  }
  return params;
}
