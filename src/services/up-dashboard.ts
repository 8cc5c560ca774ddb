import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { accessRefusal } from '../api/index.js';
import type { DataDir } from '../ca/index.js';
import { createStaticRoute, loadStaticFiles, sendProblem } from '../http/index.js';
import type { ServiceRequest } from '../http/index.js';
import { parseCertificate } from '../x509/index.js';
import { checkGatewayAccess } from './gateway-access.js';
import type { RevocationServices } from './revocation-services.js';
import { ADMIN_PROFILES } from './up-admin-api.js';

/** Where `npm run build` puts the dashboard: `dist/ui/` of the package, whether this file runs from `src/` or `dist/`. */
export const DASHBOARD_BUNDLE_DIR = fileURLToPath(new URL('../../dist/ui/', import.meta.url));

export const DASHBOARD_PATH = '/ui';

/**
 * The dashboard is a script that reads the admin API: it loads nothing from elsewhere, runs no
 * inline code or style, and may not be framed. Downloads are navigations to /api, not fetches.
 */
export const DASHBOARD_HEADERS: Readonly<Record<string, string>> = {
  'Content-Security-Policy':
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src 'self'; base-uri 'none'; form-action 'none'; frame-ancestors 'none'",
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'X-Frame-Options': 'DENY',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Resource-Policy': 'same-origin',
};

export interface UpDashboardOptions {
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  readonly clock: () => Date;
  /** The built bundle (default: DASHBOARD_BUNDLE_DIR). */
  readonly bundleDir?: string;
}

/**
 * The admin API's door for the dashboard too: the one role check (`checkGatewayAccess` with the
 * admin profile) on the TLS client certificate, and the API's answers to its refusals (401
 * without a certificate, 403 for any other), so a non-admin gets not even the script.
 */
function adminOnly(options: UpDashboardOptions): (request: ServiceRequest) => Promise<boolean> {
  const { dataDir, services, clock } = options;
  const issuers = dataDir.issuers
    .filter((issuer) => issuer.parentId !== null)
    .map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) }));
  return async ({ res, socket }) => {
    const peer = socket.getPeerCertificate(false)?.raw;
    const access = await checkGatewayAccess(peer === undefined || peer.length === 0 ? undefined : peer, {
      store: services.store,
      issuers,
      profiles: ADMIN_PROFILES,
      clock,
    });
    if (access.ok) return true;
    const refusal = accessRefusal(access.reason);
    sendProblem(res, refusal.status, refusal.code, undefined, {
      ...DASHBOARD_HEADERS,
      ...(refusal.status === 401 ? { 'WWW-Authenticate': 'Mutual' } : {}),
    });
    return false;
  };
}

/**
 * Mounts the dashboard at /ui/ on up's HTTPS service listener, served to admin certificates only.
 * Resolves with its URL, or undefined when there is no service listener or no built bundle.
 */
export async function mountDashboard(options: UpDashboardOptions): Promise<string | undefined> {
  const { services } = options;
  const bundleDir = options.bundleDir ?? DASHBOARD_BUNDLE_DIR;
  if (services.serviceListener === undefined || services.serviceUrl === undefined) return undefined;
  if (!existsSync(`${bundleDir}/index.html`)) return undefined;
  let files: Awaited<ReturnType<typeof loadStaticFiles>>;
  try {
    files = await loadStaticFiles(bundleDir);
  } catch (error) {
    // A build swapping the bundle in at this moment leaves no dist/ui for an instant: no dashboard, not a failed start.
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw error;
  }
  if (!files.has('index.html')) return undefined;
  services.serviceListener.mount(
    DASHBOARD_PATH,
    createStaticRoute({ prefix: DASHBOARD_PATH, files, headers: DASHBOARD_HEADERS, authorize: adminOnly(options) }),
  );
  return `${services.serviceUrl}${DASHBOARD_PATH}/`;
}
