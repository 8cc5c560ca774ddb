import { readFile, stat } from 'node:fs/promises';
import { SymbolonError } from '../errors.js';

/** Nothing a user inspects (a chain, a CSR, a key) comes near this; a bigger input is a mistake. */
const MAX_INPUT_BYTES = 4 * 1024 * 1024;

/** Reads a file, or standard input for `-`, refusing more than `maxBytes`. */
export async function readInput(path: string, maxBytes = MAX_INPUT_BYTES): Promise<Buffer> {
  if (path === '-') return readStdin(maxBytes);
  let size: number;
  try {
    const info = await stat(path);
    if (!info.isFile()) throw new SymbolonError('INPUT_UNREADABLE', `${path} is not a file`);
    size = info.size;
  } catch (error) {
    if (error instanceof SymbolonError) throw error;
    throw new SymbolonError('INPUT_UNREADABLE', `cannot read ${path}: ${describeFsError(error)}`);
  }
  if (size > maxBytes) throw new SymbolonError('INPUT_TOO_LARGE', `${path} is ${size} bytes; inputs are limited to ${maxBytes}`);
  try {
    return await readFile(path);
  } catch (error) {
    throw new SymbolonError('INPUT_UNREADABLE', `cannot read ${path}: ${describeFsError(error)}`);
  }
}

async function readStdin(maxBytes: number): Promise<Buffer> {
  const chunks: Buffer[] = [];
  let total = 0;
  for await (const chunk of process.stdin) {
    const buffer = chunk as Buffer;
    total += buffer.length;
    if (total > maxBytes) throw new SymbolonError('INPUT_TOO_LARGE', `standard input is over the limit of ${maxBytes} bytes`);
    chunks.push(buffer);
  }
  return Buffer.concat(chunks);
}

/** A file-system error in a person's words, without a stack. */
function describeFsError(error: unknown): string {
  const code = (error as NodeJS.ErrnoException | undefined)?.code;
  switch (code) {
    case 'ENOENT':
      return 'no such file or directory';
    case 'EACCES':
    case 'EPERM':
      return 'permission denied';
    case 'EISDIR':
      return 'it is a directory';
    case 'EEXIST':
      return 'the file exists';
    default:
      return code ?? (error instanceof Error ? error.message : String(error));
  }
}
