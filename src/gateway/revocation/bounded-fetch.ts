/** What a revocation source may ask of an HTTP server: a deadline and a size cap. */
export interface BoundedFetchOptions {
  readonly method?: 'GET' | 'POST';
  readonly headers?: Readonly<Record<string, string>>;
  readonly body?: Uint8Array;
  readonly timeoutMs: number;
  readonly maxBytes: number;
}

/** Why a bounded fetch gave nothing, in words for a log line. */
export type BoundedFetchResult =
  | { readonly ok: true; readonly status: number; readonly contentType: string; readonly body: Buffer }
  | { readonly ok: false; readonly detail: string };

/**
 * Fetches `url` and reads its body, giving up after `timeoutMs` (connection, headers and body
 * together) or past `maxBytes` (a Content-Length over the cap is refused before the body is
 * read). Never throws.
 */
export async function boundedFetch(url: string, options: BoundedFetchOptions): Promise<BoundedFetchResult> {
  const signal = AbortSignal.timeout(options.timeoutMs);
  try {
    const response = await fetch(url, {
      method: options.method ?? 'GET',
      headers: options.headers ?? {},
      ...(options.body === undefined ? {} : { body: options.body }),
      signal,
      redirect: 'error',
    });
    const declared = Number(response.headers.get('content-length') ?? '0');
    if (declared > options.maxBytes) {
      await response.body?.cancel();
      return { ok: false, detail: `${url} announced ${declared} bytes, over the limit of ${options.maxBytes}` };
    }
    const chunks: Buffer[] = [];
    let total = 0;
    if (response.body !== null) {
      // The Fetch standard's body stream yields Uint8Array chunks (undici types it as a stream of any).
      for await (const chunk of response.body as ReadableStream<Uint8Array>) {
        total += chunk.byteLength;
        // Leaving the loop cancels the stream.
        if (total > options.maxBytes) {
          return { ok: false, detail: `${url} sent more than the limit of ${options.maxBytes} bytes` };
        }
        chunks.push(Buffer.from(chunk));
      }
    }
    return {
      ok: true,
      status: response.status,
      contentType: response.headers.get('content-type') ?? '',
      body: Buffer.concat(chunks, total),
    };
  } catch (error) {
    if (signal.aborted) return { ok: false, detail: `${url} did not answer within ${options.timeoutMs} ms` };
    const cause = error instanceof Error && error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return { ok: false, detail: `${url} cannot be reached (${error instanceof Error ? error.message : String(error)}${cause})` };
  }
}
