import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, renameSync, unlinkSync } from 'node:fs';
import { errorCodeOf, isSymbolonError, SymbolonError } from '../../errors.js';
import { writePublicKeyFile } from '../../keys/index.js';
import { dataDirPaths } from './data-dir.js';

/** The exclusive hold of one process on a data directory; release it when done. */
export interface DataDirLock {
  readonly path: string;
  release(): void;
}

function readHolder(path: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
  const pid = Number(text.trim());
  return Number.isInteger(pid) && pid > 0 ? pid : undefined;
}

/** Is a process with this PID running (ours or another user's)? */
export function isProcessAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists and belongs to someone else.
    return errorCodeOf(error) === 'EPERM';
  }
}

/**
 * Takes the data directory for this process alone: `symbolon.lock` holds its PID (created with a
 * link, which fails on an existing name, so two processes cannot both create it). A lock whose
 * process is dead (killed with -9, a crash) is taken over: it is renamed aside first, and put back
 * if what was renamed turns out to be a live process's new lock, so two processes taking over
 * the same stale lock do not both win. Released on `release()` and when the process exits.
 * Throws `CA_DATA_DIR_LOCKED` naming the holder's PID.
 */
export async function lockDataDir(root: string): Promise<DataDirLock> {
  const path = dataDirPaths(root).lock;
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      await writePublicKeyFile(path, `${process.pid}\n`);
    } catch (error) {
      if (!isSymbolonError(error) || error.code !== 'KEY_FILE_EXISTS') throw error;
      const holder = readHolder(path);
      // A PID equal to ours is a previous life of this process slot (a container's PID 1): stale.
      if (holder !== undefined && holder !== process.pid && isProcessAlive(holder)) {
        throw new SymbolonError(
          'CA_DATA_DIR_LOCKED',
          `${root} is in use by process ${holder} (symbolon up); stop it first, or pass another --dir (if process ${holder} is not Symbolon, remove ${path})`,
        );
      }
      const aside = `${path}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
      try {
        renameSync(path, aside);
      } catch (renameError) {
        if (errorCodeOf(renameError) === 'ENOENT') continue;
        throw renameError;
      }
      if (readHolder(aside) !== holder) {
        // Another process replaced the stale lock between our read and our rename: give it back.
        try {
          linkSync(aside, path);
        } catch {
          // Someone holds the name again; the next round reads who.
        }
      }
      unlinkSync(aside);
      continue;
    }
    let isReleased = false;
    const release = (): void => {
      if (isReleased) return;
      isReleased = true;
      process.off('exit', release);
      if (readHolder(path) === process.pid) {
        try {
          unlinkSync(path);
        } catch {
          // Already gone: nothing to release.
        }
      }
    };
    process.on('exit', release);
    return { path, release };
  }
  throw new SymbolonError('CA_DATA_DIR_LOCKED', `${root} is being taken by other processes at the same time; try again`);
}
