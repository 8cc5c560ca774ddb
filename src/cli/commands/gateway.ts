import cluster from 'node:cluster';
import { randomBytes } from 'node:crypto';
import { Command } from 'commander';
import { AggregatorRegistry } from 'prom-client';
import { buildRootCertificate, rootSubject } from '../../ca/index.js';
import type { GatewayConfig } from '../../gateway/index.js';
import type { BuiltInMaterial } from '../../gateway/runtime/index.js';
import { createSigner, generateKeyPair } from '../../keys/index.js';
import { parseCertificate, toPem } from '../../x509/index.js';
import type { CommandFactory } from '../program.js';
import { readGatewayConfigFile } from '../gateway/gateway-config-file.js';
import { describeGateway, runGateway } from '../gateway/gateway-runner.js';
import { parseWorkerCount, startWorkerPool, WORKER_READY, WORKER_RELOAD } from '../gateway/gateway-workers.js';
import { hostPort } from '../../http/index.js';
import { untilStopped } from './until-stopped.js';

/** Does the configuration leave files to `symbolon up` (a listener without certFile/keyFile, a bundle without caFile)? */
function leavesMaterialToUp(config: GatewayConfig): boolean {
  return (
    config.listeners.some((listener) => listener.certFile === undefined || listener.keyFile === undefined) ||
    config.trustBundles.some((bundle) => bundle.caFile === undefined)
  );
}

/** A throwaway self-signed certificate and key standing in for what up's CA supplies, for --check. */
async function standInMaterial(): Promise<BuiltInMaterial> {
  const keys = await generateKeyPair('p256');
  const der = await buildRootCertificate({
    subject: rootSubject('gateway --check'),
    signer: createSigner(keys.privateKey),
    now: new Date(),
    random: randomBytes,
  });
  const certificate = parseCertificate(der);
  const identity = {
    certificate,
    chain: [certificate],
    certPem: toPem('CERTIFICATE', der),
    keyPem: keys.privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  return { caCertificates: [certificate], serverIdentity: () => identity };
}

interface GatewayCommandOptions {
  readonly config: string;
  readonly workers: string;
  readonly check?: boolean;
}

/**
 * `symbolon gateway --config FILE`: the mTLS reverse proxy. Reloads its configuration and every
 * file it names on SIGHUP or when they change; stops cleanly on SIGINT/SIGTERM.
 */
export const gatewayCommand: CommandFactory = (output) =>
  new Command('gateway')
    .description('run the mTLS gateway in front of HTTP services (configuration in YAML; reloads on SIGHUP or file change)')
    .requiredOption('--config <file>', 'the gateway configuration (YAML)')
    .option('--workers <n>', 'processes serving the listeners: a number, or "auto" for one per core', '1')
    .option('--check', 'validate the configuration and the files it names, then exit')
    .action(async (options: GatewayCommandOptions) => {
      const count = parseWorkerCount(options.workers);
      const file = await readGatewayConfigFile(options.config);
      if (options.check === true) {
        const { loadGatewayMaterial } = await import('../../gateway/runtime/index.js');
        // The form `symbolon up` reads leaves the certificate, key and CA files out: it supplies
        // them. Such a file is checked with stand-ins for them, and said to be valid for up only.
        const isForUp = leavesMaterialToUp(file.config);
        await loadGatewayMaterial(file.config, file.baseDir, isForUp ? await standInMaterial() : undefined);
        const counts = `${file.config.listeners.length} listener(s), ${file.config.trustBundles.length} trust bundle(s), ${file.config.routes.length} route(s)`;
        output.out(
          isForUp
            ? `${file.path}: valid for \`symbolon up\` (${counts}); it leaves certFile/keyFile or caFile to up's CA, so \`symbolon gateway\` alone needs them\n`
            : `${file.path}: valid (${counts})\n`,
        );
        return;
      }
      if (cluster.isWorker) {
        const running = await runGateway(file, output, { skipAdmin: true });
        // The constructor installs the worker's answer to the primary's metrics requests; setRegistries says what to answer with.
        new AggregatorRegistry();
        AggregatorRegistry.setRegistries([running.gateway.metrics.registry]);
        process.on('message', (message: unknown) => {
          if (message === WORKER_RELOAD) process.emit('SIGHUP', 'SIGHUP');
        });
        process.send?.({ type: WORKER_READY, listeners: running.gateway.listeners });
        await untilStopped();
        await running.stop();
        return;
      }
      if (count > 1) {
        const pool = await startWorkerPool(count, file.config, output.err);
        const lines = [`Symbolon gateway: ${pool.count} workers from ${file.path}`];
        for (const listener of pool.listeners) lines.push(`  Gateway: https://${hostPort(listener)}  (mTLS)`);
        if (pool.admin !== undefined) lines.push(`  Metrics: http://${hostPort(pool.admin)}/metrics`);
        lines.push('Reload with SIGHUP; stop with Ctrl-C (SIGINT) or SIGTERM.', '');
        output.out(lines.join('\n'));
        const signal = await untilStopped();
        await pool.stop();
        output.out(`Stopped (${signal}).\n`);
        return;
      }
      const running = await runGateway(file, output);
      output.out(
        [
          `Symbolon gateway listening, from ${file.path}`,
          ...describeGateway(running.gateway),
          'Reload with SIGHUP; stop with Ctrl-C (SIGINT) or SIGTERM.',
          '',
        ].join('\n'),
      );
      const signal = await untilStopped();
      await running.stop();
      output.out(`Stopped (${signal}).\n`);
    });
