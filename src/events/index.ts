export { createFeedRoute, FEED_PATH } from './feed-route.js';
export type { FeedRoute, FeedRouteOptions } from './feed-route.js';
export { checkGatewayAccess } from './gateway-access.js';
export type { GatewayAccess, GatewayAccessOptions } from './gateway-access.js';
export { publishingStore } from './publishing-store.js';
export { revocationEventOf } from './revocation-event.js';
export type { RevocationEvent } from './revocation-event.js';
export { createRevocationFeed } from './revocation-feed.js';
export type { RevocationFeed, RevocationFeedOptions, RevocationListener } from './revocation-feed.js';
