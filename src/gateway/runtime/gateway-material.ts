import { createPublicKey } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { isAbsolute, resolve } from 'node:path';
import { SymbolonError } from '../../errors.js';
import { importPrivateKey } from '../../keys/index.js';
import { TrustBundle } from '../../path/index.js';
import { parseCertificate, parsePemBlocks, toPem } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';
import type { GatewayConfig } from '../gateway-config.js';

/** A server certificate chain (leaf first) with its private key, as PEM for `node:tls`. */
export interface ServerIdentity {
  readonly certificate: Certificate;
  readonly chain: readonly Certificate[];
  /** Leaf then intermediates. */
  readonly certPem: string;
  readonly keyPem: string;
}

/** What the gateway's own CA provides when the configuration leaves files out (`symbolon up`). */
export interface BuiltInMaterial {
  /** The CA certificates client chains may reach: Symbolon's root and intermediates. */
  readonly caCertificates: readonly Certificate[];
  /** The gateway's current server identity, issued by the CA and renewed by it. */
  serverIdentity(): ServerIdentity;
}

export interface BundleMaterial {
  readonly config: GatewayConfig['trustBundles'][number];
  readonly certificates: readonly Certificate[];
}

/** Every file a configuration names, read and checked, ready to build TLS contexts from. */
export interface GatewayMaterial {
  readonly listeners: readonly ServerIdentity[];
  readonly bundles: readonly BundleMaterial[];
  /** All bundles' CAs: what OpenSSL is given, and the anchors of the strict validation. */
  readonly anchors: TrustBundle;
  readonly caPem: string;
  /** Each token issuer's CA certificates (PEM) for its JWKS server, when it names a file. */
  readonly tokenIssuerCaPem: readonly (string | undefined)[];
  /** Each route's upstream CA certificates (PEM), when it names a file. */
  readonly upstreamCaPem: readonly (string | undefined)[];
  /** The absolute paths read, so a watcher can reload when one changes. */
  readonly files: readonly string[];
}

/** A file the configuration names: relative paths are taken from the configuration's folder. */
export function configPath(baseDir: string, file: string): string {
  return isAbsolute(file) ? file : resolve(baseDir, file);
}

/** Largest file the gateway reads: a CA bundle of some thousands of certificates. */
const MAX_FILE_BYTES = 8 * 1024 * 1024;

async function readSmallFile(path: string, what: string): Promise<Buffer> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code ?? 'error';
    throw new SymbolonError('GATEWAY_FILE_UNREADABLE', `cannot read the ${what} ${path} (${code})`, { cause: error });
  }
  if (bytes.length > MAX_FILE_BYTES)
    throw new SymbolonError('GATEWAY_FILE_UNREADABLE', `the ${what} ${path} is larger than ${MAX_FILE_BYTES} bytes`);
  return bytes;
}

function certificatesOf(bytes: Buffer, path: string, what: string): Certificate[] {
  try {
    const blocks = parsePemBlocks(bytes.toString('latin1')).filter((block) => block.label === 'CERTIFICATE');
    if (blocks.length === 0) throw new SymbolonError('GATEWAY_TLS_MATERIAL_INVALID', `the ${what} ${path} holds no PEM CERTIFICATE block`);
    return blocks.map((block) => parseCertificate(block.der));
  } catch (error) {
    if (error instanceof SymbolonError && error.code === 'GATEWAY_TLS_MATERIAL_INVALID') throw error;
    throw new SymbolonError(
      'GATEWAY_TLS_MATERIAL_INVALID',
      `the ${what} ${path} is not a PEM certificate list: ${error instanceof Error ? error.message : String(error)}`,
      { cause: error },
    );
  }
}

/** Reads a certificate chain and its key, and checks that the key is the leaf's. */
export async function loadServerIdentity(certPath: string, keyPath: string): Promise<ServerIdentity> {
  const chain = certificatesOf(await readSmallFile(certPath, 'certificate file'), certPath, 'certificate file');
  const keyBytes = await readSmallFile(keyPath, 'key file');
  try {
    let key;
    try {
      // Through the keys part: the key material is checked before node:crypto loads it.
      key = await importPrivateKey(keyBytes);
    } catch (error) {
      const detail = error instanceof Error ? `: ${error.message}` : '';
      throw new SymbolonError(
        'GATEWAY_TLS_MATERIAL_INVALID',
        `the key file ${keyPath} is not an unencrypted private key Symbolon can use${detail}`,
        { cause: error },
      );
    }
    const leaf = chain[0]!;
    const publicKey = createPublicKey(key).export({ type: 'spki', format: 'der' });
    if (!publicKey.equals(leaf.spki))
      throw new SymbolonError('GATEWAY_TLS_MATERIAL_INVALID', `the key in ${keyPath} is not the key of the certificate in ${certPath}`);
    return {
      certificate: leaf,
      chain,
      certPem: chain.map((certificate) => toPem('CERTIFICATE', certificate.der)).join(''),
      keyPem: key.export({ type: 'pkcs8', format: 'pem' }).toString(),
    };
  } finally {
    keyBytes.fill(0);
  }
}

/**
 * Loads the files of `config`, relative paths taken from `baseDir` (the configuration file's
 * folder). Throws `GATEWAY_FILE_UNREADABLE`, `GATEWAY_TLS_MATERIAL_INVALID`, or
 * `GATEWAY_CONFIG_INVALID` when a file is left out and no built-in CA stands in for it.
 */
export async function loadGatewayMaterial(config: GatewayConfig, baseDir: string, builtIn?: BuiltInMaterial): Promise<GatewayMaterial> {
  const files: string[] = [];
  const pathOf = (file: string): string => {
    const path = configPath(baseDir, file);
    files.push(path);
    return path;
  };
  const listeners: ServerIdentity[] = [];
  for (const [index, listener] of config.listeners.entries()) {
    if (listener.certFile !== undefined && listener.keyFile !== undefined) {
      listeners.push(await loadServerIdentity(pathOf(listener.certFile), pathOf(listener.keyFile)));
    } else if (builtIn !== undefined) {
      listeners.push(builtIn.serverIdentity());
    } else {
      throw new SymbolonError(
        'GATEWAY_CONFIG_INVALID',
        `listeners[${index}] needs certFile and keyFile (only inside \`symbolon up\` does the CA issue them)`,
      );
    }
  }
  const bundles: BundleMaterial[] = [];
  for (const [index, bundle] of config.trustBundles.entries()) {
    let certificates: readonly Certificate[];
    if (bundle.caFile !== undefined) {
      const path = pathOf(bundle.caFile);
      certificates = certificatesOf(await readSmallFile(path, 'CA file'), path, 'CA file');
    } else if (builtIn !== undefined) {
      certificates = builtIn.caCertificates;
    } else {
      throw new SymbolonError(
        'GATEWAY_CONFIG_INVALID',
        `trustBundles[${index}] needs caFile (only inside \`symbolon up\` is Symbolon's CA the default)`,
      );
    }
    bundles.push({ config: bundle, certificates });
  }
  const upstreamCaPem: (string | undefined)[] = [];
  for (const route of config.routes) {
    const caFile = route.upstreamTls?.caFile;
    if (caFile === undefined) {
      upstreamCaPem.push(undefined);
      continue;
    }
    const path = pathOf(caFile);
    upstreamCaPem.push(
      certificatesOf(await readSmallFile(path, 'upstream CA file'), path, 'upstream CA file')
        .map((certificate) => toPem('CERTIFICATE', certificate.der))
        .join(''),
    );
  }
  const tokenIssuerCaPem: (string | undefined)[] = [];
  for (const issuer of config.tokenIssuers) {
    if (issuer.caFile === undefined) {
      tokenIssuerCaPem.push(undefined);
      continue;
    }
    const path = pathOf(issuer.caFile);
    tokenIssuerCaPem.push(
      certificatesOf(await readSmallFile(path, 'token issuer CA file'), path, 'token issuer CA file')
        .map((certificate) => toPem('CERTIFICATE', certificate.der))
        .join(''),
    );
  }
  const anchors = new TrustBundle(bundles.flatMap((bundle) => bundle.certificates));
  return {
    tokenIssuerCaPem,
    listeners,
    bundles,
    anchors,
    caPem: anchors.certificates.map((certificate) => toPem('CERTIFICATE', certificate.der)).join(''),
    upstreamCaPem,
    files: [...new Set(files)],
  };
}
