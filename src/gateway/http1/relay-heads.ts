import { HOP_BY_HOP_FIELDS } from '../hop-by-hop.js';
import { isStrippedRequestField } from '../strip-identity-headers.js';
import type { RequestHead, ResponseHead } from '../../http/index.js';

/** Beside `isStrippedRequestField`, fields the relay sets itself: it frames the body and answers Expect. */
const RELAY_FIELDS: ReadonlySet<string> = new Set(['content-length', 'expect']);

/** Identity header lines, encoded once per headers object: the gateway hands every request of one identity on one route the same object. */
const identityBlocks = new WeakMap<Readonly<Record<string, string>>, Buffer>();

function identityBlockOf(identity: Readonly<Record<string, string>>): Buffer {
  let block = identityBlocks.get(identity);
  if (block === undefined) {
    let text = '';
    for (const name in identity) text += `${name}: ${identity[name]!}\r\n`;
    // The builders escape values to visible ASCII (header-value.ts).
    block = Buffer.from(text, 'latin1');
    identityBlocks.set(identity, block);
  }
  return block;
}

/**
 * The request head for the upstream, for `target` (the client's request-target as the route was
 * matched on it): the client's fields less hop-by-hop and identity ones, the
 * client's Host (as Envoy keeps it), `x-forwarded-for` with the client's address appended,
 * `x-forwarded-proto: https`, the route's identity headers, and the body's framing as the gateway
 * re-frames it. HTTP/1.0 stays HTTP/1.0 (so the upstream never answers it chunked), kept alive.
 * A Buffer: the identity headers (a client certificate in XFCC or Client-Cert is a kilobyte or
 * more) are copied in already encoded rather than joined into a string for every request.
 */
export function upstreamRequestHead(
  head: RequestHead,
  basePath: string,
  identity: Readonly<Record<string, string>>,
  remoteAddress: string,
  target = head.target,
): Buffer {
  const path = target === '*' ? '*' : basePath + target;
  let text = `${head.method} ${path} HTTP/1.${head.versionMinor}\r\n`;
  const listed = head.connectionListed;
  const fields = head.fields;
  let forwardedFor: string | undefined;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const lower = name.toLowerCase();
    if (isStrippedRequestField(lower) || RELAY_FIELDS.has(lower) || listed?.has(lower) === true) continue;
    if (lower === 'x-forwarded-for') {
      forwardedFor = forwardedFor === undefined ? fields[i + 1]! : `${forwardedFor}, ${fields[i + 1]!}`;
      continue;
    }
    text += `${name}: ${fields[i + 1]!}\r\n`;
  }
  if (head.authority !== undefined) text += `host: ${head.authority}\r\n`;
  text += `x-forwarded-for: ${forwardedFor === undefined ? remoteAddress : `${forwardedFor}, ${remoteAddress}`}\r\nx-forwarded-proto: https\r\n`;
  const framing = head.framing;
  let tail =
    framing.kind === 'length'
      ? `content-length: ${framing.length}\r\n`
      : framing.kind === 'chunked'
        ? 'transfer-encoding: chunked\r\n'
        : '';
  if (head.versionMinor === 0) tail += 'connection: keep-alive\r\n';
  tail += '\r\n';
  // Every character is one byte: the client's head was decoded as latin1, the rest is ASCII.
  const block = identityBlockOf(identity);
  const out = Buffer.allocUnsafe(text.length + block.length + tail.length);
  out.write(text, 0, 'latin1');
  block.copy(out, text.length);
  out.write(tail, text.length + block.length, 'latin1');
  return out;
}

export interface ClientFraming {
  /** The connection closes after this response. */
  readonly close: boolean;
  /** The body goes out chunked: re-framed from the upstream's chunks, or wrapped from a body read until close. */
  readonly chunked: boolean;
}

/**
 * The response head for the client: the upstream's status and fields less hop-by-hop ones, its
 * Content-Length rewritten from the framing (or relayed as is for HEAD and 304, which have no body), Date added when missing (RFC 9110 6.6.1), and the gateway's own framing.
 */
export function clientResponseHead(response: ResponseHead, request: RequestHead, framing: ClientFraming, date: string): string {
  let text = `HTTP/1.1 ${response.status} ${response.reasonPhrase}\r\n`;
  const listed = response.connectionListed;
  const fields = response.fields;
  // A HEAD or 304 response's Content-Length describes a body not sent: relayed as it came.
  const keepsLength = response.framing.kind === 'none' && response.status !== 204 && response.status >= 200;
  let hasDate = false;
  for (let i = 0; i < fields.length; i += 2) {
    const name = fields[i]!;
    const lower = name.toLowerCase();
    if (HOP_BY_HOP_FIELDS.has(lower) || listed?.has(lower) === true) continue;
    if (lower === 'content-length') {
      if (keepsLength) text += `${name}: ${fields[i + 1]!}\r\n`;
      continue;
    }
    if (lower === 'date') hasDate = true;
    text += `${name}: ${fields[i + 1]!}\r\n`;
  }
  if (!hasDate) text += `date: ${date}\r\n`;
  if (response.framing.kind === 'length') text += `content-length: ${response.framing.length}\r\n`;
  if (framing.chunked) text += 'transfer-encoding: chunked\r\n';
  if (framing.close) text += 'connection: close\r\n';
  else if (request.versionMinor === 0) text += 'connection: keep-alive\r\n';
  return `${text}\r\n`;
}
