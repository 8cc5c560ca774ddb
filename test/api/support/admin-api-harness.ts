import { randomBytes } from 'node:crypto';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Agent, request } from 'undici';
import type { Dispatcher } from 'undici';
import type { GatewayHealth } from '../../../src/monitoring/index.js';
import { createAdminApi } from '../../../src/api/index.js';
import { enrollmentTokenKey } from '../../../src/est/index.js';
import { ADMIN_PROFILES, checkGatewayAccess, mountAdminApi } from '../../../src/services/index.js';
import type { RevocationServicesConfig } from '../../../src/services/index.js';
import { parseCertificate, toPem } from '../../../src/x509/index.js';
import { startHarness } from '../../support/revocation-harness.js';
import type { Harness } from '../../support/revocation-harness.js';

/** A client certificate and key, as PEM text, and the serial of the certificate. */
export interface ClientIdentity {
  readonly cert: string;
  readonly key: string;
  readonly serial: string;
  readonly subject: string;
}

export interface ApiAnswer {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: Buffer;
  json<T = Record<string, unknown>>(): T;
}

export interface AdminApiHarness {
  readonly h: Harness;
  /** `https://127.0.0.1:port/api` */
  readonly url: string;
  /** PEM of the root and the intermediate, for --cacert. */
  readonly caFile: string;
  readonly caPem: string;
  /** An admin certificate (profile admin). */
  readonly admin: ClientIdentity;
  /** Moves the API's clock (not the CA's) by this many milliseconds. */
  shiftClock(ms: number): void;
  /** Issues a client identity under `profile`, with the harness's CA. */
  identity(name: string, profile?: string): Promise<ClientIdentity>;
  /** One request through undici, with `as` as the TLS client certificate (none when undefined). */
  call(
    method: Dispatcher.HttpMethod,
    path: string,
    options?: { as?: ClientIdentity | undefined; json?: unknown; body?: string | Buffer; headers?: Record<string, string> },
  ): Promise<ApiAnswer>;
  /** The routes createAdminApi serves, for the OpenAPI comparison. */
  routes(): Promise<readonly { method: string; path: string }[]>;
  close(): Promise<void>;
}

/** The revocation harness (a copy of `template`) with the admin API mounted on its service listener, as `up` does. */
export async function startAdminApiHarness(
  template: string,
  work: string,
  options: { gateways?: () => readonly GatewayHealth[]; overrides?: Partial<RevocationServicesConfig> } = {},
): Promise<AdminApiHarness> {
  const h = await startHarness(template, work, options.overrides ?? {});
  const errors: unknown[] = [];
  let offsetMs = 0;
  const clock = (): Date => new Date(Date.now() + offsetMs);
  const url = await mountAdminApi({
    dataDir: h.dataDir,
    services: h.services,
    unlocked: [h.ca.issuer],
    gateways: options.gateways ?? (() => []),
    clock,
    onError: (error) => errors.push(error),
  });
  if (url === undefined) throw new Error('the admin API was not mounted');
  const caPem = toPem('CERTIFICATE', h.dataDir.root.der) + toPem('CERTIFICATE', h.ca.issuer.certificate.der);
  const caFile = join(h.dir, 'api-ca.pem');
  writeFileSync(caFile, caPem);
  const agents = new Map<string, Agent>();
  const agentFor = (as: ClientIdentity | undefined): Agent => {
    const key = as?.serial ?? '-';
    let agent = agents.get(key);
    if (agent === undefined) {
      agent = new Agent({ connect: { ca: caPem, ...(as === undefined ? {} : { cert: as.cert, key: as.key }) } });
      agents.set(key, agent);
    }
    return agent;
  };
  const identity = async (name: string, profile = 'client'): Promise<ClientIdentity> => {
    const issued = await h.issue(name, profile);
    const cert = readFileSync(issued.certPem, 'utf8');
    return { cert, key: readFileSync(issued.keyPem, 'utf8'), serial: issued.issued.record.serial, subject: issued.issued.record.subject };
  };
  const admin = await identity('alice', 'admin');
  return {
    h,
    url,
    caFile,
    caPem,
    admin,
    shiftClock(ms) {
      offsetMs = ms;
    },
    identity,
    async call(method, path, callOptions = {}) {
      const hasJson = callOptions.json !== undefined;
      const answer = await request(`${url}${path}`, {
        method,
        dispatcher: agentFor('as' in callOptions ? callOptions.as : admin),
        headers: { ...(hasJson ? { 'content-type': 'application/json' } : {}), ...callOptions.headers },
        ...(hasJson ? { body: JSON.stringify(callOptions.json) } : callOptions.body === undefined ? {} : { body: callOptions.body }),
      });
      const body = Buffer.from(await answer.body.arrayBuffer());
      return {
        status: answer.statusCode,
        headers: answer.headers,
        body,
        json: <T>() => JSON.parse(body.toString('utf8')) as T,
      };
    },
    async routes() {
      const issuers = h.dataDir.issuers
        .filter((issuer) => issuer.parentId !== null)
        .map((issuer) => ({ id: issuer.id, certificate: parseCertificate(issuer.certificate) }));
      return createAdminApi({
        store: h.services.store,
        config: h.dataDir.config,
        ca: h.ca,
        access: (peer) => checkGatewayAccess(peer, { store: h.services.store, issuers, profiles: ADMIN_PROFILES, clock }),
        tokenHashKey: await enrollmentTokenKey(h.dataDir.paths),
        gateways: () => [],
        clock,
        random: randomBytes,
        onError: (error) => errors.push(error),
      }).routes;
    },
    async close() {
      await Promise.all([...agents.values()].map((agent) => agent.close()));
      await h.close();
      if (errors.length > 0) throw new AggregateError(errors, `the admin API reported ${errors.length} error(s)`);
    },
  };
}
