import type { IncomingMessage } from 'node:http';
import { readBody } from '../http/index.js';

/** Largest token or introspection request read: a few short parameters (a token to introspect is at most 8 KiB). */
export const MAX_FORM_BYTES = 16 * 1024;

export type FormRead =
  | { readonly ok: true; readonly parameters: ReadonlyMap<string, string> }
  | { readonly ok: false; readonly status: 400 | 405 | 413; readonly detail: string }
  /** The client went away: nothing to answer. */
  | { readonly ok: false; readonly status: undefined };

/**
 * The parameters of an `application/x-www-form-urlencoded` POST (RFC 6749 3.2, RFC 7662 2.1):
 * a method other than POST, another content type, a body over `MAX_FORM_BYTES` or a parameter
 * given twice (RFC 6749 3.2) is refused with the status to answer.
 */
export async function readForm(req: IncomingMessage): Promise<FormRead> {
  if (req.method !== 'POST') return { ok: false, status: 405, detail: 'this endpoint takes POST' };
  const type = (req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/x-www-form-urlencoded')
    return { ok: false, status: 400, detail: 'the request body must be application/x-www-form-urlencoded (RFC 6749 3.2)' };
  const body = await readBody(req, MAX_FORM_BYTES);
  if (!body.ok)
    return body.reason === 'too-large'
      ? { ok: false, status: 413, detail: `the request body is larger than ${MAX_FORM_BYTES} bytes` }
      : { ok: false, status: undefined };
  const parameters = new Map<string, string>();
  for (const [name, value] of new URLSearchParams(body.body.toString('utf8'))) {
    if (parameters.has(name)) return { ok: false, status: 400, detail: `the parameter ${name.slice(0, 40)} is given more than once` };
    parameters.set(name, value);
  }
  return { ok: true, parameters };
}
