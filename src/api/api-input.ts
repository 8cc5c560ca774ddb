import type { IncomingMessage } from 'node:http';
import type { z } from 'zod';
import { SymbolonError } from '../errors.js';
import { readBody } from '../http/index.js';

/** A refusal of a query parameter or path segment. */
export function badQuery(message: string): SymbolonError {
  return new SymbolonError('API_QUERY_INVALID', message);
}

/**
 * The query's parameters, each at most once and only those `allowed`: a parameter the call does
 * not take is a typo the caller should hear of, not a filter silently dropped.
 */
export function queryParameters(query: URLSearchParams, allowed: readonly string[]): Map<string, string> {
  const values = new Map<string, string>();
  for (const [name, value] of query) {
    if (!allowed.includes(name))
      throw badQuery(`unknown query parameter "${name.slice(0, 64)}"; this call takes ${allowed.join(', ') || 'none'}`);
    if (values.has(name)) throw badQuery(`the query parameter "${name}" is given more than once`);
    values.set(name, value);
  }
  return values;
}

/** `limit`: a whole number from 1 to `max`; `fallback` when absent. */
export function parseLimit(text: string | undefined, fallback: number, max: number): number {
  if (text === undefined) return fallback;
  if (!/^\d{1,6}$/.test(text) || Number(text) < 1 || Number(text) > max)
    throw badQuery(`limit takes a whole number from 1 to ${max}, not "${text.slice(0, 32)}"`);
  return Number(text);
}

const ISO_INSTANT = /^\d{4}-\d{2}-\d{2}(?:T\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?(?:Z|[+-]\d{2}:\d{2}))?$/;

/** An ISO 8601 date (`2030-01-31`) or instant with its offset (`2030-01-31T12:00:00Z`). */
export function parseInstant(text: string | undefined, name: string): Date | undefined {
  if (text === undefined) return undefined;
  const time = ISO_INSTANT.test(text) ? Date.parse(text) : Number.NaN;
  if (Number.isNaN(time))
    throw badQuery(`${name} takes an ISO 8601 date or instant such as 2030-01-31T00:00:00Z, not "${text.slice(0, 64)}"`);
  return new Date(time);
}

/** A search text: at most 256 characters, no control characters. */
export function parseText(text: string | undefined, name: string): string | undefined {
  if (text === undefined || text === '') return undefined;
  // eslint-disable-next-line no-control-regex
  if (text.length > 256 || /[\u0000-\u001f\u007f]/.test(text)) throw badQuery(`${name} takes up to 256 printable characters`);
  return text;
}

/** Most bytes of a JSON body: a CSR in PEM is a few KiB. */
export const MAX_JSON_BODY_BYTES = 64 * 1024;

/**
 * Reads and checks a JSON body against `schema`. Throws `HTTP_UNSUPPORTED_MEDIA_TYPE`,
 * `HTTP_BODY_TOO_LARGE` (before reading it, when Content-Length says so), or `API_BODY_INVALID`
 * naming the field.
 */
export async function readJsonBody<T>(req: IncomingMessage, schema: z.ZodType<T>, maxBytes = MAX_JSON_BODY_BYTES): Promise<T> {
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new SymbolonError('HTTP_UNSUPPORTED_MEDIA_TYPE', 'send the body as application/json');
  const result = await readBody(req, maxBytes);
  if (!result.ok) {
    if (result.reason === 'too-large') throw new SymbolonError('HTTP_BODY_TOO_LARGE', `the body is larger than ${maxBytes} bytes`);
    throw new SymbolonError('API_BODY_INVALID', 'the body ended before it was complete');
  }
  let value: unknown;
  try {
    value = JSON.parse(result.body.toString('utf8'));
  } catch {
    throw new SymbolonError('API_BODY_INVALID', 'the body is not valid JSON');
  }
  const parsed = schema.safeParse(value);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    const where = issue.path.length === 0 ? 'the body' : issue.path.join('.');
    throw new SymbolonError('API_BODY_INVALID', `${where}: ${issue.message}`);
  }
  return parsed.data;
}
