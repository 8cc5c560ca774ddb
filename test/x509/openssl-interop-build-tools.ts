import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { decodeDer, readBoolean, readOid, Tag } from '../../src/asn1/index.js';

/** Helpers for the builder tests that hand our DER to OpenSSL and GnuTLS. */

export interface RunResult {
  readonly status: number | null;
  readonly stdout: string;
  readonly stderr: string;
}

export function run(command: string, args: readonly string[], input?: string | Buffer): RunResult {
  const result = spawnSync(command, args, { encoding: 'utf8', ...(input === undefined ? {} : { input }) });
  if (result.error !== undefined) throw result.error;
  return { status: result.status, stdout: result.stdout, stderr: result.stderr };
}

export function hasCommand(command: string): boolean {
  return spawnSync(command, ['--version'], { encoding: 'utf8' }).error === undefined;
}

export function makeTempDir(prefix: string): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), prefix));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

/** `openssl asn1parse` of DER given on stdin; throws with OpenSSL's message when it refuses. */
export function asn1parse(derBytes: Uint8Array): string {
  const result = run('openssl', ['asn1parse', '-inform', 'DER', '-i'], Buffer.from(derBytes));
  if (result.status !== 0) throw new Error(`openssl asn1parse refused the DER: ${result.stderr}`);
  return result.stdout;
}

export interface FoundExtension {
  readonly critical: boolean;
  readonly value: Buffer;
}

/** The extensions of a certificate, by OID, read with the strict DER reader. */
export function certificateExtensions(certificate: Uint8Array): Map<string, FoundExtension> {
  const tbs = decodeDer(certificate).children[0]!;
  const wrapper = tbs.children.find((child) => child.tag === 0xa3);
  const found = new Map<string, FoundExtension>();
  if (wrapper === undefined) return found;
  for (const extension of wrapper.children[0]!.children) {
    const [id, second, third] = extension.children;
    const hasCritical = second!.tag === Tag.BOOLEAN;
    found.set(readOid(id!), { critical: hasCritical ? readBoolean(second!) : false, value: (hasCritical ? third! : second!).content });
  }
  return found;
}
