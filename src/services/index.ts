// What `symbolon up` runs, composed: the revocation servers (CRLs and OCSP on plain HTTP), the
// HTTPS service listener with its routes (the revocation feed, EST, OAuth), the certificates the CA
// issues to its own services, and their health. The CLI parses options and prints; this part
// wires the other parts together and is the only one that knows them all.
export { checkGatewayAccess } from './gateway-access.js';
export type { GatewayAccess, GatewayAccessOptions } from './gateway-access.js';
export { createFeedRoute, FEED_PATH } from './feed-route.js';
export type { FeedRoute, FeedRouteOptions } from './feed-route.js';
export { startGatewayIdentity } from './gateway-identity.js';
export type { GatewayIdentity, GatewayIdentityOptions } from './gateway-identity.js';
export { unlockIssuers } from './issuer-keys.js';
export type { UnlockedIssuers } from './issuer-keys.js';
export { DEFAULT_DELTA_CRL_INTERVAL_SECONDS, DEFAULT_SERVICES_CONFIG, startRevocationServices } from './revocation-services.js';
export type { RevocationServices, RevocationServicesConfig, RevocationServicesOptions } from './revocation-services.js';
export { mountEst } from './up-est.js';
export { mountOAuth, oauthKeysDir } from './up-oauth.js';
export type { UpOAuth, UpOAuthOptions } from './up-oauth.js';
export { ADMIN_PROFILES, mountAdminApi } from './up-admin-api.js';
export { alertWebhookSecret, alertWebhookSecretPath, startUpMonitoring } from './up-monitoring.js';
export type { UpMonitoring, UpMonitoringOptions } from './up-monitoring.js';
export type { UpAdminApiOptions } from './up-admin-api.js';
export { DASHBOARD_BUNDLE_DIR, mountDashboard } from './up-dashboard.js';
export type { UpDashboardOptions } from './up-dashboard.js';
export type { UpEstOptions } from './up-est.js';
export { createUpHealth } from './up-health.js';
export type { HealthProblem, UpHealth } from './up-health.js';
