export { publishingStore } from './publishing-store.js';
export { revocationEventOf } from './revocation-event.js';
export type { RevocationEvent } from './revocation-event.js';
export { createRevocationFeed } from './revocation-feed.js';
export type { RevocationFeed, RevocationFeedOptions, RevocationListener } from './revocation-feed.js';
