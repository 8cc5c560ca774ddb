/**
 * RFC 9110 7.6.1 and RFC 9113 8.2.2: connection-specific fields, which never cross a proxy (nor
 * does Host, which the gateway sets itself). Names listed in a Connection field are hop-by-hop too.
 */
export const HOP_BY_HOP_FIELDS: ReadonlySet<string> = new Set([
  'connection',
  'keep-alive',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
  'host',
  'http2-settings',
]);
