// The admin API: REST over up's HTTPS service listener for the holders of admin certificates,
// with its OpenAPI document. It reads and writes through the store, the CA and the OAuth client
// registry (oauth/); who calls is decided by the caller's access check (services/), the gateways'
// health by up's scraper.
export { ADMIN_API_PATH, createAdminApi } from './admin-api.js';
export type { AdminApi, AdminApiOptions } from './admin-api.js';
export { accessRefusal } from './admin-access.js';
export type { AdminAccess } from './admin-access.js';
export type { AdminIdentity } from './api-route.js';
export { OPENAPI_DOCUMENT } from './openapi-document.js';
export { MAX_PAGE_SIZE } from './certificate-routes.js';
