import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import {
  dataDirPaths,
  initCertificateAuthority,
  lockDataDir,
  openDataDir,
  readDataDirMarker,
  recoverInterruptedInit,
} from '../../ca/index.js';
import type { DataDirPaths } from '../../ca/index.js';
import { isSymbolonError, SymbolonError } from '../../errors.js';
import { hostPort } from '../../http/index.js';
import type { ListenAddress } from '../../http/index.js';
import { checkIssuerIdentifier } from '../../oauth/index.js';
import { errorLine } from '../exit-code.js';
import type { CommandFactory, Output } from '../program.js';
import {
  createUpHealth,
  DASHBOARD_BUNDLE_DIR,
  mountAdminApi,
  mountDashboard,
  mountEst,
  mountOAuth,
  startRevocationServices,
  startUpMonitoring,
  unlockIssuers,
} from '../../services/index.js';
import type { UpMonitoring, UpOAuth } from '../../services/index.js';
import { upServicesConfig } from '../up/up-config.js';
import type { UpServiceOptions } from '../up/up-config.js';
import { createRootCrlFile } from '../../crl/index.js';
import { collect } from '../collect.js';
import { readGatewayConfigFile } from '../gateway/gateway-config-file.js';
import { startUpGateway } from '../up/up-gateway.js';
import { untilStopped } from './until-stopped.js';
import { auditSummary, startAuditCheck } from '../up/audit-at-start.js';
import { createdLines } from './ca/ca-init.js';
import {
  CA_PASSPHRASE_ENV,
  cliActor,
  cliClock,
  cliRandom,
  dataDirOf,
  intermediatePassphrase,
  DATABASE_OPTION_HELP,
} from './ca/ca-options.js';

interface UpOptions extends UpServiceOptions {
  readonly dir?: string;
  readonly database?: string;
  readonly gatewayConfig?: string;
  readonly gatewayName: readonly string[];
  readonly passphraseFile?: string;
  readonly passphraseEnv?: string;
  readonly publicBaseUrl?: string;
  readonly oauthIssuer?: string;
}

const WILDCARD_HOSTS = new Set(['0.0.0.0', '::', '[::]']);

/**
 * The URL a CA created by `up` stamps into every certificate: --public-base-url, else the --listen
 * address. An address no client can reach there (port 0, a wildcard host) is refused, as every
 * certificate issued would carry it.
 */
function publicBaseUrlOf(options: UpOptions, listen: ListenAddress): string {
  if (options.publicBaseUrl !== undefined) return options.publicBaseUrl;
  if (listen.port === 0 || WILDCARD_HOSTS.has(listen.host)) {
    throw new SymbolonError(
      'USAGE',
      `up creates the CA with its URL (http://${hostPort(listen)}) in every certificate's CRL and OCSP pointers, and no client can reach a ${listen.port === 0 ? 'port 0' : 'wildcard address'}: give --public-base-url (such as http://ca.example.com:8080) or a fixed --listen HOST:PORT`,
    );
  }
  return `http://${hostPort(listen)}`;
}

/** Does `dir` hold no CA yet (absent or empty)? Any other problem is the open's to report. */
function hasNoCa(dir: string): boolean {
  try {
    readDataDirMarker(dir);
    return false;
  } catch (error) {
    return isSymbolonError(error) && error.code === 'CA_DATA_DIR_MISSING';
  }
}

/**
 * `symbolon up`: the CA's network services on a data directory (creating the CA first when there
 * is none): CRL distribution and OCSP over HTTP, and the HTTPS service listener (the revocation
 * feed for gateways, EST enrollment). Runs until
 * SIGINT or SIGTERM, then stops cleanly.
 */
export const upCommand: CommandFactory = (output: Output) =>
  new Command('up')
    .description('run the CA services: CRLs, OCSP and the revocation feed (creates a CA first if there is none)')
    .option('--dir <dir>', 'the data directory (default: ./symbolon-data)')
    .option('--database <url>', DATABASE_OPTION_HELP)
    .option('--listen <host:port>', 'where CRLs, OCSP and CA certificates are served over HTTP', '127.0.0.1:8080')
    .option(
      '--tls-listen <host:port>',
      'the HTTPS service listener: the revocation feed (/feed, gateway certificates only) and EST (/.well-known/est/)',
      '127.0.0.1:8443',
    )
    .option('--no-feed', 'do not serve the revocation feed')
    .option('--no-tls', 'run no HTTPS service listener (no feed, no EST)')
    .option('--crl-validity <lifetime>', 'nextUpdate - thisUpdate of CRLs (republished at half of it)', '24h')
    .option(
      '--delta-crl-interval <lifetime>',
      'publish delta CRLs (RFC 5280 5.2.4) at /crl/<issuer>-delta.crl this often and after each revocation; the full CRL is then republished on its schedule only (default: 15m when config.yaml has deltaCrl: true, else off)',
    )
    .option('--ocsp-validity <lifetime>', 'nextUpdate - thisUpdate of OCSP answers', '1h')
    .option('--responder-lifetime <lifetime>', 'lifetime of the delegated OCSP responder certificate (renewed at two thirds)', '7d')
    .option('--gateway-config <file>', 'run the mTLS gateway too, with this configuration (default: <dir>/gateway.yaml when it exists)')
    .option(
      '--gateway-name <name>',
      'a DNS name or IP address for the certificate the CA issues the gateway (repeatable; localhost and 127.0.0.1 are always in it)',
      collect,
      [],
    )
    .option(
      '--public-base-url <url>',
      'when up creates the CA: where its CRLs, OCSP and CA certificates will be reachable, stamped into every certificate (default: http://<--listen>)',
    )
    .option(
      '--oauth-issuer <url>',
      'the OAuth issuer identifier (iss of tokens), the same on every node of one database behind a load balancer (default: https://<--tls-listen>)',
    )
    .option('--passphrase-file <file>', 'file holding the intermediate key passphrase')
    .option('--passphrase-env <name>', `environment variable holding it (default: ${CA_PASSPHRASE_ENV})`)
    .action(async (options: UpOptions) => {
      const config = upServicesConfig(options);
      // Refused before anything starts: an input error.
      if (options.oauthIssuer !== undefined) options = { ...options, oauthIssuer: checkIssuerIdentifier(options.oauthIssuer) };
      const dir = dataDirOf(options);
      for (const line of await recoverInterruptedInit(dir)) output.err(`symbolon: ${line}\n`);
      if (hasNoCa(dir)) {
        try {
          const result = await initCertificateAuthority({
            dir,
            name: 'Symbolon',
            keyType: 'p256',
            publicBaseUrl: publicBaseUrlOf(options, config.listen),
            database: options.database,
            actor: cliActor(),
            now: cliClock(),
            random: cliRandom,
          });
          output.out(createdLines(`No CA in ${dir}: created one (as \`symbolon ca init\` would).`, result).join('\n'));
        } catch (error) {
          // Another `up` started at the same moment made it: the lock below decides who runs.
          if (!(isSymbolonError(error) && error.code === 'CA_DATA_DIR_EXISTS' && !hasNoCa(dir))) throw error;
        }
      }
      // A half-made or foreign directory is explained before anything is written into it.
      readDataDirMarker(dir);
      const lock = await lockDataDir(dir);
      try {
        await runUp(options, config, dir, output);
      } finally {
        lock.release();
      }
    });

/** What became of a CRL's file, truthfully: written, or not and why (the CRL is served all the same). */
function fileNote(written: { readonly path: string; readonly error: SymbolonError | undefined } | undefined): string {
  if (written === undefined) return '(no file written yet)';
  return written.error === undefined
    ? `(also written to ${written.path})`
    : `(NOT written to ${written.path}: ${written.error.code}; see /healthz)`;
}

/** Lines that remind the operator, at every start, of root material still in the data directory. */
function offlineReminders(paths: DataDirPaths): string[] {
  const left = [paths.offlineDir, paths.legacyRootKey, join(paths.root, 'root.passphrase')].filter((path) => existsSync(path));
  return left.map(
    (path) =>
      `  Offline: ${path} is still here: the root key${path.endsWith('.key.enc') ? '' : ' material'} belongs in offline storage (nothing that runs reads it)`,
  );
}

async function runUp(options: UpOptions, config: ReturnType<typeof upServicesConfig>, dir: string, output: Output): Promise<void> {
  const passphrase = await intermediatePassphrase(options);
  const dataDir = await openDataDir(dir, {
    actor: cliActor(),
    now: cliClock(),
    database: options.database,
    onStoreNotice: (error) => output.err(`${errorLine(error)} (the services keep running)\n`),
  });
  try {
    const { unlocked, locked } = await unlockIssuers(dataDir, passphrase);
    if (unlocked.length === 0) {
      // A wrong passphrase is the same input error (exit 2) here as in every other command.
      const code = locked.every((issuer) => issuer.code === 'KEY_BAD_PASSPHRASE') ? 'KEY_BAD_PASSPHRASE' : 'UP_NO_ISSUER_UNLOCKED';
      throw new SymbolonError(
        code,
        `the passphrase opens none of the intermediate keys in ${dataDir.paths.caDir}; give the one chosen at \`ca init\``,
      );
    }
    const health = createUpHealth();
    const audit = await startAuditCheck(dataDir, unlocked, { health, output, now: cliClock() });
    const services = await startRevocationServices({
      unservedRevocations: audit.unserved,
      health,
      dataDir,
      issuers: unlocked,
      config,
      clock: cliClock,
      actor: cliActor(),
      onError: (error) => output.err(`${errorLine(error)} (the services keep running)\n`),
    });
    let oauth: UpOAuth | undefined;
    let monitoring: UpMonitoring | undefined;
    let gateway: Awaited<ReturnType<typeof startUpGateway>> | undefined;
    let signal: string;
    // Whatever ends this block (a stop signal, a fault at start), what was started is stopped, in
    // reverse: nothing keeps listening after up has given up.
    try {
      monitoring = await startUpMonitoring({
        dataDir,
        store: services.store,
        health,
        clock: cliClock,
        log: (line) => output.err(line),
        onError: (error) => output.err(`${errorLine(error)} (monitoring keeps running)\n`),
      });
      const estUrl = await mountEst({
        dataDir,
        services,
        unlocked,
        clock: cliClock,
        onError: (error) => output.err(`${errorLine(error)} (EST keeps serving)\n`),
      });
      oauth = await mountOAuth({
        dataDir,
        services,
        clock: cliClock,
        actor: cliActor(),
        issuer: options.oauthIssuer,
        onError: (error) => output.err(`${errorLine(error)} (the token endpoint keeps serving)\n`),
      });
      const adminApiUrl = await mountAdminApi({
        dataDir,
        services,
        unlocked,
        gateways: monitoring.gateways,
        clock: cliClock,
        onError: (error) => output.err(`${errorLine(error)} (the admin API keeps serving)\n`),
      });
      const dashboardUrl = await mountDashboard({ dataDir, services, clock: cliClock });
      const lines = [`Symbolon is up on ${dir}`, `  Audit: ${auditSummary(audit)}`, ...offlineReminders(dataDirPaths(dir))];
      for (const [id, url] of Object.entries(services.crlUrls))
        lines.push(`  CRL   ${id}: ${url}  ${fileNote(services.crlFileWritten(id))}`);
      const rootCrl = await createRootCrlFile(dataDir, () => undefined).current();
      lines.push(
        rootCrl === undefined
          ? `  CRL   root: none yet; make one with \`symbolon ca root-crl\` (root key) and it is served at ${services.baseUrl}/crl/root.crl`
          : `  CRL   root: ${services.baseUrl}/crl/root.crl  (from crl/root.crl, valid until ${rootCrl.nextUpdate.toISOString()})`,
      );
      for (const [id, url] of Object.entries(services.deltaCrlUrls))
        lines.push(`  Delta ${id}: ${url}  ${fileNote(services.crlFileWritten(`${id}-delta`))}`);
      if (Object.keys(services.deltaCrlUrls).length > 0 && !dataDir.config.deltaCrl) {
        lines.push('    (certificates carry the Freshest CRL extension only once config.yaml says deltaCrl: true)');
      }
      lines.push(`  OCSP: ${services.ocspUrl}  (POST, and GET ${services.ocspUrl}/<base64>)`);
      for (const issuer of unlocked) {
        const responder = services.responderCertificate(issuer.id);
        if (responder !== undefined)
          lines.push(`    ${issuer.id}: responder certificate ${responder.serialNumber}, until ${responder.notAfter.toISOString()}`);
      }
      for (const issuer of services.unansweredIssuers) lines.push(`    ${issuer.id}: not answered (${issuer.code})`);
      for (const issuer of locked)
        lines.push(`  ${issuer.id}: key not unlocked with this passphrase (${issuer.code}); no CRL or OCSP for it`);
      if (services.serviceUrl !== undefined)
        lines.push(`  HTTPS: ${services.serviceUrl}  (TLS 1.2 and 1.3; a client certificate is asked for, each route decides)`);
      lines.push(
        services.feedUrl === undefined
          ? `  Feed: off (${options.tls ? '--no-feed' : '--no-tls'})`
          : `  Feed: ${services.feedUrl}  (certificates of the gateway profile only)`,
      );
      if (estUrl !== undefined) lines.push(`  EST: ${estUrl}  (RFC 7030; enroll with a token from \`symbolon ca token create\`)`);
      else lines.push(options.tls ? '  EST: off (the active intermediate key is locked)' : '  EST: off (--no-tls)');
      lines.push(
        oauth === undefined
          ? '  OAuth: off (--no-tls)'
          : `  OAuth: ${oauth.issuer}/oauth/token  (RFC 8705 bound tokens; register clients with \`symbolon oauth client add\`)`,
      );
      if (adminApiUrl !== undefined)
        lines.push(`  Admin API: ${adminApiUrl}  (certificates of the admin profile only; ${adminApiUrl}/openapi.json)`);
      else lines.push('  Admin API: off (--no-tls)');
      if (dashboardUrl !== undefined) lines.push(`  Dashboard: ${dashboardUrl}  (certificates of the admin profile only)`);
      else if (services.serviceUrl !== undefined) lines.push(`  Dashboard: off (no ${DASHBOARD_BUNDLE_DIR}; \`npm run build\` makes it)`);
      const alertsTo = dataDir.config.monitoring.webhookUrl;
      lines.push(
        alertsTo === undefined
          ? '  Expiry alerts: to this log (a webhook: monitoring.expiryAlerts.webhook in config.yaml)'
          : `  Expiry alerts: to this log and ${alertsTo}, signed with the key in ${monitoring.webhookSecretPath}`,
      );
      if (dataDir.config.publicBaseUrl !== undefined && dataDir.config.publicBaseUrl !== services.baseUrl) {
        lines.push(`  Certificates point at ${dataDir.config.publicBaseUrl}; route it to ${services.baseUrl}`);
      }
      const gatewayFile = options.gatewayConfig ?? (existsSync(join(dir, 'gateway.yaml')) ? join(dir, 'gateway.yaml') : undefined);
      if (gatewayFile !== undefined) {
        gateway = await startUpGateway({
          file: await readGatewayConfigFile(gatewayFile),
          dataDir,
          services,
          unlocked,
          names: options.gatewayName,
          output,
        });
        lines.push(...gateway.lines);
        if (gateway.metricsUrl !== undefined) monitoring.addGateway('up', gateway.metricsUrl);
      } else lines.push(`  Gateway: off (no ${join(dir, 'gateway.yaml')}; see --gateway-config)`);
      lines.push('Stop with Ctrl-C (SIGINT) or SIGTERM.', '');
      // Listen for the signals before saying so: whoever reads "Stop with" may send one at once.
      const stopped = untilStopped();
      output.out(lines.join('\n'));
      signal = await stopped;
    } finally {
      await gateway?.stop();
      oauth?.close();
      await monitoring?.close();
      await services.close();
    }
    output.out(`Stopped (${signal}).\n`);
  } finally {
    await dataDir.close();
  }
}
