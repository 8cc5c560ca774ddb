import { SymbolonError } from '../../errors.js';
import type { ListenAddress } from '../../http/index.js';
import { parseLifetimeOption as parseLifetime } from '../lifetime-option.js';
import { DEFAULT_SERVICES_CONFIG } from '../../services/index.js';
import type { RevocationServicesConfig } from '../../services/index.js';

/** The options of `symbolon up` that shape the services, as commander hands them over. */
export interface UpServiceOptions {
  readonly listen: string;
  readonly tlsListen: string;
  readonly feed: boolean;
  readonly tls: boolean;
  readonly crlValidity: string;
  readonly deltaCrlInterval?: string | undefined;
  readonly ocspValidity: string;
  readonly responderLifetime: string;
}

/** `host:port`, `[v6]:port` or `:port` (127.0.0.1). Throws `USAGE` naming the option. */
export function parseListenAddress(text: string, option: string): ListenAddress {
  const match = /^(?:\[([0-9a-fA-F:.]+)\]|([^:[\]]*)):(\d{1,5})$/.exec(text);
  const port = Number(match?.[3]);
  if (match === null || !Number.isInteger(port) || port > 65535) {
    throw new SymbolonError('USAGE', `${option} takes HOST:PORT (127.0.0.1:8080, [::1]:8080, :8080), not "${text}"`);
  }
  const host = match[1] ?? match[2] ?? '';
  return { host: host === '' ? '127.0.0.1' : host, port };
}

/** The services' configuration from the command line, checked once and frozen. */
export function upServicesConfig(options: UpServiceOptions): RevocationServicesConfig {
  return Object.freeze({
    ...DEFAULT_SERVICES_CONFIG,
    listen: parseListenAddress(options.listen, '--listen'),
    tlsListen: options.tls ? parseListenAddress(options.tlsListen, '--tls-listen') : undefined,
    isFeedServed: options.feed,
    crlValiditySeconds: parseLifetime(options.crlValidity, '--crl-validity'),
    deltaCrlIntervalSeconds:
      options.deltaCrlInterval === undefined ? undefined : parseLifetime(options.deltaCrlInterval, '--delta-crl-interval'),
    ocspValiditySeconds: parseLifetime(options.ocspValidity, '--ocsp-validity'),
    responderLifetimeSeconds: parseLifetime(options.responderLifetime, '--responder-lifetime'),
  });
}
