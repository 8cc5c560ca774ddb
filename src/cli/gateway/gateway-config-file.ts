import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { SymbolonError } from '../../errors.js';
import { parseGatewayConfig } from '../../gateway/index.js';
import type { GatewayConfig } from '../../gateway/index.js';

/** Largest configuration file read: far above any real one. */
const MAX_CONFIG_BYTES = 4 * 1024 * 1024;

/** A gateway configuration file, parsed, with the folder its relative paths are taken from. */
export interface GatewayConfigFile {
  readonly path: string;
  readonly baseDir: string;
  readonly config: GatewayConfig;
}

/** Reads and validates a gateway configuration file. Throws `GATEWAY_FILE_UNREADABLE`, `GATEWAY_CONFIG_INVALID`. */
export async function readGatewayConfigFile(file: string): Promise<GatewayConfigFile> {
  const path = resolve(file);
  let text: Buffer;
  try {
    text = await readFile(path);
  } catch (error) {
    throw new SymbolonError(
      'GATEWAY_FILE_UNREADABLE',
      `cannot read the gateway configuration ${path} (${(error as NodeJS.ErrnoException).code ?? 'error'})`,
      { cause: error },
    );
  }
  if (text.length > MAX_CONFIG_BYTES)
    throw new SymbolonError('GATEWAY_CONFIG_INVALID', `the gateway configuration ${path} is larger than ${MAX_CONFIG_BYTES} bytes`);
  return { path, baseDir: dirname(path), config: parseGatewayConfig(text.toString('utf8')) };
}
