import { validateGatewayConfig } from '../../../../src/gateway/gateway-config.js';
import type { GatewayConfig } from '../../../../src/gateway/gateway-config.js';
import { startGateway } from '../../../../src/gateway/runtime/gateway-server.js';
import type { Gateway, GatewayOptions } from '../../../../src/gateway/runtime/gateway-server.js';
import type { E2eEnv } from './e2e-env.js';

export interface ConfigParts {
  readonly routes: readonly Record<string, unknown>[];
  readonly listener?: Record<string, unknown>;
  readonly revocation?: Record<string, unknown>;
  readonly limits?: Record<string, unknown>;
  readonly accessLog?: unknown;
  readonly isAdminless?: boolean;
}

/**
 * A gateway configuration object (before validation): one listener on 127.0.0.1 port 0 with the
 * env's server certificate (no OCSP stapling: the template CA's URLs are not reachable), the
 * env's root as the one trust bundle, revocation from the in-process feed by default, and an
 * admin listener.
 */
export function configInput(env: E2eEnv, parts: ConfigParts): Record<string, unknown> {
  return {
    listeners: [
      { address: '127.0.0.1', port: 0, certFile: env.server.chain, keyFile: env.server.key, ocspStapling: false, ...parts.listener },
    ],
    trustBundles: [{ name: 'symbolon', caFile: env.rootPem, revocation: parts.revocation ?? { kind: 'feed' }, failurePolicy: 'hard-fail' }],
    routes: parts.routes,
    ...(parts.limits === undefined ? {} : { limits: parts.limits }),
    ...(parts.isAdminless === true ? {} : { admin: { address: '127.0.0.1', port: 0 } }),
    accessLog: parts.accessLog ?? 'off',
  };
}

export function makeConfig(env: E2eEnv, parts: ConfigParts): GatewayConfig {
  return validateGatewayConfig(configInput(env, parts));
}

export interface TestGateway {
  readonly gateway: Gateway;
  readonly port: number;
  readonly adminUrl: string;
  /** What the gateway reported through onError. */
  readonly errors: unknown[];
  close(): Promise<void>;
}

/** Starts a gateway in process with the env's in-process feed. */
export async function startTestGateway(env: E2eEnv, config: GatewayConfig, extra: Partial<GatewayOptions> = {}): Promise<TestGateway> {
  const errors: unknown[] = [];
  const gateway = await startGateway({
    config,
    baseDir: env.dir,
    inProcessFeed: env.inProcessFeed,
    onError: (error) => errors.push(error),
    ...extra,
  });
  return {
    gateway,
    port: gateway.listeners[0]!.port,
    adminUrl: gateway.admin === undefined ? '' : `http://127.0.0.1:${gateway.admin.port}`,
    errors,
    close: () => gateway.close(),
  };
}
