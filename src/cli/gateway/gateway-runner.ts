import { errorLine } from '../exit-code.js';
import type { Output } from '../program.js';
import { startGateway } from '../../gateway/runtime/index.js';
import type { Gateway, GatewayOptions } from '../../gateway/runtime/index.js';
import { hostPort } from '../../http/index.js';
import { readGatewayConfigFile } from './gateway-config-file.js';
import type { GatewayConfigFile } from './gateway-config-file.js';
import { watchForReload } from './reload-triggers.js';

export interface RunningGateway {
  readonly gateway: Gateway;
  stop(): Promise<void>;
}

/**
 * Starts a gateway from its configuration file and keeps it current: on SIGHUP or a change of
 * the file or any file it names, the file is read again and swapped in; a reload that fails
 * leaves the running configuration in force and says why on standard error.
 */
export async function runGateway(
  file: GatewayConfigFile,
  output: Output,
  extra: Pick<GatewayOptions, 'builtIn' | 'inProcessFeed' | 'skipAdmin'> = {},
): Promise<RunningGateway> {
  const gateway = await startGateway({
    config: file.config,
    baseDir: file.baseDir,
    ...extra,
    onError: (error) => output.err(`${errorLine(error)} (the gateway keeps running)\n`),
  });
  const triggers = watchForReload(
    () => [file.path, ...gateway.files],
    () => {
      readGatewayConfigFile(file.path)
        .then((next) => gateway.reload(next.config))
        .then(
          () => {
            triggers.rewatch();
            output.err(`symbolon: gateway configuration reloaded from ${file.path}\n`);
          },
          (error: unknown) => output.err(`${errorLine(error)} (reload refused; the previous configuration stays in force)\n`),
        );
    },
  );
  return {
    gateway,
    async stop() {
      triggers.stop();
      await gateway.close();
    },
  };
}

/** What `symbolon gateway` and `symbolon up` print about a running gateway. */
export function describeGateway(gateway: Gateway): string[] {
  const lines = gateway.listeners.map(
    (address, index) =>
      `  Gateway: https://${hostPort(address)}  (mTLS; ${gateway.config.listeners[index]!.alpn.join(', ')}; ${gateway.config.routes.length} route(s))`,
  );
  if (gateway.admin !== undefined) lines.push(`  Metrics: http://${hostPort(gateway.admin)}/metrics`);
  return lines;
}
