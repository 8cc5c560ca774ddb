import type { SearchPosition } from '../store/index.js';
import { badQuery } from './api-input.js';

const POSITION = /^(\d{1,16})\.([0-9a-f]{1,40})\.(\d{1,16})$/;

/** The opaque `nextCursor` of a page: where the next one starts. */
export function encodeCursor(position: SearchPosition): string {
  return Buffer.from(`${position.notAfter}.${position.serial}.${position.id}`).toString('base64url');
}

/** Reads a cursor this API gave out; anything else is `API_QUERY_INVALID`. */
export function decodeCursor(text: string | undefined): SearchPosition | undefined {
  if (text === undefined) return undefined;
  const match =
    text.length <= 128 && /^[A-Za-z0-9_-]+$/.test(text) ? POSITION.exec(Buffer.from(text, 'base64url').toString('latin1')) : null;
  if (match === null) throw badQuery('the cursor is not one this API gave out; start again without it');
  const position = { notAfter: Number(match[1]), serial: match[2]!, id: Number(match[3]) };
  if (!Number.isSafeInteger(position.notAfter) || !Number.isSafeInteger(position.id)) throw badQuery('the cursor is out of range');
  return position;
}
