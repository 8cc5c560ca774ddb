// What `symbolon up` watches: certificate expiry (alerts to the log and a signed webhook), the
// inventory's Prometheus gauges, and the gateways' metrics (scraped for the dashboard).
export { registerCertificateGauges } from './certificate-gauges.js';
export { createExpiryMonitor } from './expiry-monitor.js';
export type { ExpiryAlert, ExpiryMonitor, ExpiryMonitorOptions } from './expiry-monitor.js';
export { createGatewayScraper, gatewaySample } from './gateway-scraper.js';
export type { GatewayHealth, GatewaySample, GatewayScraper, GatewayScraperOptions } from './gateway-scraper.js';
export { readPrometheusSamples } from './prometheus-text.js';
export type { PrometheusSample } from './prometheus-text.js';
export { deliverWebhook } from './webhook-delivery.js';
export type { WebhookTarget } from './webhook-delivery.js';
export { SIGNATURE_HEADER, signWebhook, verifyWebhookSignature } from './webhook-signature.js';
export type { WebhookVerification } from './webhook-signature.js';
