export { createCrlHandler } from './crl-http.js';
export { lastCrlNumber, nextCrlNumber } from './crl-number.js';
export { createCrlPublisher } from './crl-publisher.js';
export type { CrlFileWrite, CrlPublisher, CrlPublisherOptions, DeltaCrlOptions, PublishedCrl } from './crl-publisher.js';
export { createRootCrlFile, publishRootCrl, revokeIntermediate, rootCrlPath } from './root-crl.js';
export type { RootCrlOptions } from './root-crl.js';
