import { randomBytes } from 'node:crypto';
import { ADMIN_API_PATH, createAdminApi } from '../api/index.js';
import type { GatewayHealth } from '../monitoring/index.js';
import { createCertificateAuthority } from '../ca/index.js';
import type { DataDir, IssuingCa } from '../ca/index.js';
import { enrollmentTokenKey } from '../est/index.js';
import { parseCertificate } from '../x509/index.js';
import { checkGatewayAccess } from './gateway-access.js';
import type { RevocationServices } from './revocation-services.js';

/** The profiles whose certificates hold the admin role. */
export const ADMIN_PROFILES: readonly string[] = Object.freeze(['admin']);

export interface UpAdminApiOptions {
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  /** The unlocked intermediates: issuance and renewal use the active one (503 when it is locked). */
  readonly unlocked: readonly IssuingCa[];
  readonly gateways: () => readonly GatewayHealth[];
  readonly clock: () => Date;
  readonly onError: (error: unknown) => void;
}

/**
 * Mounts the admin API at /api on up's HTTPS service listener: admins are the holders of
 * certificates of the admin profile, checked as the feed checks gateways. Resolves with its URL,
 * or undefined when there is no service listener.
 */
export async function mountAdminApi(options: UpAdminApiOptions): Promise<string | undefined> {
  const { dataDir, services } = options;
  if (services.serviceListener === undefined || services.serviceUrl === undefined) return undefined;
  const active = options.unlocked.find((issuer) => issuer.id === dataDir.activeIssuer.id);
  const ca =
    active === undefined
      ? undefined
      : createCertificateAuthority({
          store: services.store,
          config: dataDir.config,
          issuer: active,
          clock: options.clock,
          random: randomBytes,
        });
  const issuers = dataDir.issuers
    .filter((issuer) => issuer.parentId !== null)
    .map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) }));
  const api = createAdminApi({
    store: services.store,
    config: dataDir.config,
    ca,
    access: (peer) => checkGatewayAccess(peer, { store: services.store, issuers, profiles: ADMIN_PROFILES, clock: options.clock }),
    tokenHashKey: await enrollmentTokenKey(dataDir.paths),
    gateways: options.gateways,
    clock: options.clock,
    random: randomBytes,
    onError: options.onError,
  });
  services.serviceListener.mount(ADMIN_API_PATH, api.handle);
  return `${services.serviceUrl}${ADMIN_API_PATH}`;
}
