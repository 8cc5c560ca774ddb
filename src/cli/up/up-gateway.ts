import { hostPort } from '../../http/index.js';
import { randomBytes } from 'node:crypto';
import { createCertificateAuthority } from '../../ca/index.js';
import type { DataDir, IssuingCa } from '../../ca/index.js';
import { SymbolonError } from '../../errors.js';
import { parseCertificate } from '../../x509/index.js';
import { errorLine } from '../exit-code.js';
import type { GatewayConfigFile } from '../gateway/gateway-config-file.js';
import { describeGateway, runGateway } from '../gateway/gateway-runner.js';
import type { Output } from '../program.js';
import { cliActor, cliClock } from '../commands/ca/ca-options.js';
import { startGatewayIdentity } from '../../services/index.js';
import type { RevocationServices } from '../../services/index.js';

/**
 * The gateway inside `symbolon up`: files the configuration leaves out come from the CA (its
 * root and intermediates as the trust bundle, a `gateway` certificate it issues and renews), and
 * a feed without url is the services' feed in process.
 */
export async function startUpGateway(options: {
  readonly file: GatewayConfigFile;
  readonly dataDir: DataDir;
  readonly services: RevocationServices;
  readonly unlocked: readonly IssuingCa[];
  readonly names: readonly string[];
  readonly output: Output;
}): Promise<{ readonly lines: readonly string[]; readonly metricsUrl: string | undefined; stop(): Promise<void> }> {
  const { dataDir, services, output } = options;
  const active = options.unlocked.find((issuer) => issuer.id === dataDir.activeIssuer.id);
  if (active === undefined)
    throw new SymbolonError('UP_NO_ISSUER_UNLOCKED', 'the active intermediate key is locked: the gateway certificate cannot be issued');
  const ca = createCertificateAuthority({
    store: services.store,
    config: dataDir.config,
    issuer: active,
    clock: cliClock,
    random: randomBytes,
  });
  const addresses = options.file.config.listeners
    .map((listener) => listener.address)
    .filter((address) => address !== '0.0.0.0' && address !== '::');
  let reload = (): void => undefined;
  const identity = await startGatewayIdentity({
    ca,
    profile: 'gateway',
    // A TLS server's CN is one of its SAN names (the validator's strict profile; CA/Browser Forum
    // BR 7.1.4.3): the first name the gateway is reached by.
    commonName: options.names[0] ?? 'localhost',
    names: ['localhost', '127.0.0.1', ...addresses, ...options.names],
    clock: cliClock,
    actor: cliActor(),
    onIssued: (issued) => services.recordInternal('gateway', issued),
    onRenewed: () => reload(),
    onError: (error) => output.err(`${errorLine(error)} (gateway certificate renewal; retrying in a minute)\n`),
  });
  const caCertificates = [
    dataDir.root,
    ...dataDir.issuers.filter((issuer) => issuer.parentId !== null).map((issuer) => parseCertificate(issuer.certificate)),
  ];
  try {
    const running = await runGateway(options.file, output, {
      builtIn: { caCertificates, serverIdentity: () => identity.current() },
      inProcessFeed: { feed: services.feed, issuerKeyId: services.issuerKeyId },
    });
    reload = () => {
      running.gateway.reload().then(
        () => output.err('symbolon: gateway certificate renewed and swapped in\n'),
        (error: unknown) => output.err(`${errorLine(error)} (the renewed gateway certificate is not in use yet)\n`),
      );
    };
    return {
      metricsUrl: running.gateway.admin === undefined ? undefined : `http://${hostPort(running.gateway.admin)}/metrics`,
      lines: [
        ...describeGateway(running.gateway),
        `    from ${options.file.path}; certificate ${identity.current().certificate.serialNumber} until ${identity.current().certificate.notAfter.toISOString()}`,
      ],
      async stop() {
        identity.close();
        await running.stop();
      },
    };
  } catch (error) {
    identity.close();
    throw error;
  }
}
