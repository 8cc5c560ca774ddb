import { randomBytes } from 'node:crypto';
import { readFile, rename, rm, writeFile } from 'node:fs/promises';
import { SymbolonError } from '../../errors.js';
import { isKeyIdHex, isSerialHex } from './revoked-set.js';

/** What a gateway keeps on disk so that it starts with its revoked set when the feed is away. */
export interface RevocationSnapshot {
  /** The feed it came from: a snapshot of another feed is not resumed. */
  readonly feedUrl: string;
  /** Where the feed resumes. */
  readonly lastSequence: number;
  /** When the feed was last known current (its last event or heartbeat). */
  readonly heardAt: Date;
  /** `${issuerKeyId}:${serial}` → reason. */
  readonly entries: readonly (readonly [string, string])[];
}

const FORMAT = 'symbolon-revocation-snapshot/1';
const REASON = /^[A-Za-z]{1,40}$/;

function invalid(file: string, detail: string): SymbolonError {
  return new SymbolonError('GATEWAY_REVOCATION_SNAPSHOT_INVALID', `the revocation snapshot ${file} ${detail}; it is ignored`);
}

function isEntry(value: unknown): value is [string, string] {
  if (!Array.isArray(value) || value.length !== 2 || typeof value[0] !== 'string' || typeof value[1] !== 'string') return false;
  const colon = value[0].indexOf(':');
  return colon > 0 && isKeyIdHex(value[0].slice(0, colon)) && isSerialHex(value[0].slice(colon + 1)) && REASON.test(value[1]);
}

/**
 * Reads a snapshot; undefined when the file does not exist. Throws
 * `GATEWAY_REVOCATION_SNAPSHOT_INVALID` for a file that is not one, or one of another feed.
 */
export async function readRevocationSnapshot(file: string, feedUrl: string): Promise<RevocationSnapshot | undefined> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw invalid(file, `cannot be read (${(error as Error).message})`);
  }
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw invalid(file, 'is not JSON');
  }
  if (typeof value !== 'object' || value === null) throw invalid(file, 'is not a JSON object');
  const { format, feedUrl: url, lastSequence, heardAt, entries } = value as Record<string, unknown>;
  if (format !== FORMAT) throw invalid(file, `is not a ${FORMAT} file`);
  if (url !== feedUrl) throw invalid(file, `was written for the feed ${String(url)}, not ${feedUrl}`);
  if (typeof lastSequence !== 'number' || !Number.isSafeInteger(lastSequence) || lastSequence < 0)
    throw invalid(file, 'has no valid lastSequence');
  const heard = typeof heardAt === 'string' ? new Date(heardAt) : undefined;
  if (heard === undefined || Number.isNaN(heard.getTime())) throw invalid(file, 'has no valid heardAt time');
  if (!Array.isArray(entries) || !entries.every(isEntry)) throw invalid(file, 'has an entry that is not [issuerKeyId:serial, reason]');
  return { feedUrl, lastSequence, heardAt: heard, entries };
}

/**
 * Writes a snapshot atomically: a temporary file beside it (mode 0600), then a rename, so a
 * reader or a crash sees the old snapshot or the new one, never half of one. Throws
 * `GATEWAY_REVOCATION_SNAPSHOT_UNWRITABLE`.
 */
export async function writeRevocationSnapshot(file: string, snapshot: RevocationSnapshot): Promise<void> {
  const temporary = `${file}.${randomBytes(6).toString('hex')}.tmp`;
  const body = JSON.stringify({
    format: FORMAT,
    feedUrl: snapshot.feedUrl,
    lastSequence: snapshot.lastSequence,
    heardAt: snapshot.heardAt.toISOString(),
    entries: snapshot.entries,
  });
  try {
    await writeFile(temporary, body, { mode: 0o600, flag: 'wx' });
    await rename(temporary, file);
  } catch (error) {
    await rm(temporary, { force: true }).catch(() => undefined);
    throw new SymbolonError(
      'GATEWAY_REVOCATION_SNAPSHOT_UNWRITABLE',
      `the revocation snapshot ${file} cannot be written: ${(error as Error).message}`,
      { cause: error },
    );
  }
}
