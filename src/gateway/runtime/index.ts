// The gateway's running face: the server, its metrics endpoint and the TLS material it loads.
// The CLI and `symbolon up` start a gateway through this file only; the pure core (routes, rules,
// identity headers) is `gateway/index.ts`.
export { createAdminServer } from './admin-server.js';
export type { MetricsSource } from './admin-server.js';
export { loadGatewayMaterial } from './gateway-material.js';
export type { BuiltInMaterial, BundleMaterial, GatewayMaterial, ServerIdentity } from './gateway-material.js';
export { startGateway } from './gateway-server.js';
export type { Gateway, GatewayOptions } from './gateway-server.js';
