import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { createStaticRoute, loadStaticFiles } from '../http/index.js';
import type { ServiceRequest } from '../http/index.js';
import type { RevocationServices } from './revocation-services.js';

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
  readonly services: RevocationServices;
  /** The built bundle (default: DASHBOARD_BUNDLE_DIR). */
  readonly bundleDir?: string;
  /** The admin API's check of the client certificate: false once it has answered the refusal itself. */
  readonly authorize: (request: ServiceRequest) => Promise<boolean>;
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
  const files = await loadStaticFiles(bundleDir);
  services.serviceListener.mount(
    DASHBOARD_PATH,
    createStaticRoute({ prefix: DASHBOARD_PATH, files, headers: DASHBOARD_HEADERS, authorize: options.authorize }),
  );
  return `${services.serviceUrl}${DASHBOARD_PATH}/`;
}
