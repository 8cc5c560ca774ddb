import { createPrivateKey, createPublicKey, generateKeyPairSync, randomBytes } from 'node:crypto';
import type { KeyObject } from 'node:crypto';
import { mkdir, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { errorCodeOf, SymbolonError } from '../errors.js';

/** A token signing key: its `kid` (which carries when it was made) and the private key. */
export interface SigningKey {
  readonly kid: string;
  readonly createdAt: Date;
  readonly privateKey: KeyObject;
  /** The public JWK as the JWKS publishes it. */
  readonly jwk: Readonly<Record<string, unknown>>;
}

/** The key tokens are signed with now, and every key whose tokens may still be presented. */
export interface SigningKeys {
  readonly active: SigningKey;
  /** Newest first: the active key, then the ones it replaced while their tokens can still be valid. */
  readonly published: readonly SigningKey[];
}

export interface RotationPolicy {
  /** A new key is made once the active one is this old. */
  readonly rotateAfterSeconds: number;
  /**
   * How long a replaced key stays published after its successor is made: at least the longest
   * token lifetime, so every token signed with it expires before verifiers lose its key.
   */
  readonly overlapSeconds: number;
}

/** `k<unix seconds>-<random hex>.pem`: the name says when the key was made; no other state to keep. */
const KEY_FILE = /^k([0-9]{1,12})-([0-9a-f]{16})\.pem$/;

function publicJwk(kid: string, privateKey: KeyObject): Readonly<Record<string, unknown>> {
  const { kty, crv, x, y } = createPublicKey(privateKey).export({ format: 'jwk' });
  return Object.freeze({ kty, crv, x, y, kid, alg: 'ES256', use: 'sig' });
}

async function readKey(dir: string, name: string): Promise<SigningKey> {
  const match = KEY_FILE.exec(name)!;
  const path = join(dir, name);
  try {
    const privateKey = createPrivateKey(await readFile(path));
    if (privateKey.asymmetricKeyType !== 'ec' || privateKey.asymmetricKeyDetails?.namedCurve !== 'prime256v1')
      throw new Error('not a P-256 key');
    const kid = name.slice(0, -'.pem'.length);
    return { kid, createdAt: new Date(Number(match[1]) * 1000), privateKey, jwk: publicJwk(kid, privateKey) };
  } catch (error) {
    throw new SymbolonError('OAUTH_SIGNING_KEY_INVALID', `${path} is not a usable token signing key (${String(error)})`, {
      cause: error,
    });
  }
}

/** Makes a P-256 key, written once (mode 0600, never over another file). */
async function makeKey(dir: string, now: Date): Promise<void> {
  const { privateKey } = generateKeyPairSync('ec', { namedCurve: 'P-256' });
  const name = `k${Math.floor(now.getTime() / 1000)}-${randomBytes(8).toString('hex')}.pem`;
  await writeFile(join(dir, name), privateKey.export({ type: 'pkcs8', format: 'pem' }), { mode: 0o600, flag: 'wx' });
}

/**
 * The token signing keys in `dir` (made, mode 0700, when missing), rotated as `policy` says: a
 * new key when there is none or the newest is past `rotateAfterSeconds`; a replaced key removed
 * once its successor is older than `overlapSeconds`. Keys are ES256 (P-256) PKCS#8 files, mode
 * 0600. Throws `OAUTH_SIGNING_KEY_INVALID` for a damaged key file.
 */
export async function rotateSigningKeys(dir: string, now: Date, policy: RotationPolicy): Promise<SigningKeys> {
  await mkdir(dir, { recursive: true, mode: 0o700 });
  const load = async (): Promise<SigningKey[]> => {
    const names = (await readdir(dir)).filter((name) => KEY_FILE.test(name));
    const keys = await Promise.all(names.map((name) => readKey(dir, name)));
    return keys.sort((a, b) => b.createdAt.getTime() - a.createdAt.getTime() || (a.kid < b.kid ? 1 : -1));
  };
  let keys = await load();
  const newest = keys[0];
  if (newest === undefined || now.getTime() - newest.createdAt.getTime() >= policy.rotateAfterSeconds * 1000) {
    await makeKey(dir, now);
    keys = await load();
  }
  const kept: SigningKey[] = [keys[0]!];
  for (let index = 1; index < keys.length; index++) {
    const successor = keys[index - 1]!;
    if (now.getTime() - successor.createdAt.getTime() < policy.overlapSeconds * 1000) kept.push(keys[index]!);
    else {
      try {
        await rm(join(dir, `${keys[index]!.kid}.pem`));
      } catch (error) {
        // Another process retired it first.
        if (errorCodeOf(error) !== 'ENOENT') throw error;
      }
    }
  }
  return { active: kept[0]!, published: kept };
}
