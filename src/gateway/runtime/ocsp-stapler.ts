import { buildOcspRequest, certIdFor, MAX_OCSP_RESPONSE_BYTES, parseOcspResponse } from '../../x509/index.js';
import type { Certificate } from '../../x509/index.js';

export interface OcspStaplerOptions {
  readonly certificate: Certificate;
  readonly issuer: Certificate;
  readonly clock: () => Date;
  readonly timeoutMs?: number;
  /** Told why a fetch failed; the last good response stays stapled until its nextUpdate. */
  readonly onError: (error: Error) => void;
}

/** The shortest and longest wait between two fetches. */
const MIN_REFRESH_MS = 30_000;
const MAX_REFRESH_MS = 6 * 3600_000;

/**
 * Keeps a current OCSP response for the gateway's own certificate, fetched from the responder its
 * authorityInfoAccess names (Symbolon's, when the CA issued it), for `node:tls` to staple
 * (RFC 6066 8). A handshake never waits for the responder: it gets what is held, or nothing.
 * Only a `good` answer for exactly this certificate, not past its nextUpdate, is stapled.
 */
export class OcspStapler {
  private response: { readonly der: Buffer; readonly nextUpdateMs: number } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private isClosed = false;
  private readonly url: string | undefined;

  constructor(private readonly options: OcspStaplerOptions) {
    this.url = options.certificate.ocspUrls.find((url) => url.startsWith('http://') || url.startsWith('https://'));
  }

  /** Whether there is a responder to ask at all. */
  get isActive(): boolean {
    return this.url !== undefined;
  }

  /** The response to staple now, if a current one is held. */
  current(): Buffer | undefined {
    const held = this.response;
    if (held === undefined || this.options.clock().getTime() >= held.nextUpdateMs) return undefined;
    return held.der;
  }

  /** Fetches once now and then on a schedule; resolves after the first attempt. */
  async start(): Promise<void> {
    if (this.url === undefined) return;
    await this.refresh(this.url);
  }

  close(): void {
    this.isClosed = true;
    if (this.timer !== undefined) clearTimeout(this.timer);
  }

  private async refresh(url: string): Promise<void> {
    let waitMs = MIN_REFRESH_MS;
    try {
      const fetched = await this.fetchOnce(url);
      this.response = fetched;
      // Refresh halfway to nextUpdate (RFC 5019 6 leaves the schedule to the client).
      waitMs = Math.min(MAX_REFRESH_MS, Math.max(MIN_REFRESH_MS, (fetched.nextUpdateMs - this.options.clock().getTime()) / 2));
    } catch (error) {
      this.options.onError(error instanceof Error ? error : new Error(String(error)));
    }
    if (this.isClosed) return;
    this.timer = setTimeout(() => void this.refresh(url), waitMs);
    this.timer.unref();
  }

  private async fetchOnce(url: string): Promise<{ der: Buffer; nextUpdateMs: number }> {
    const { certificate, issuer } = this.options;
    const certId = certIdFor(certificate, issuer);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/ocsp-request', accept: 'application/ocsp-response' },
      body: buildOcspRequest({ certIds: [certId] }),
      signal: AbortSignal.timeout(this.options.timeoutMs ?? 5000),
    });
    if (response.status !== 200) throw new Error(`OCSP stapling: ${url} answered HTTP ${response.status}`);
    const length = Number(response.headers.get('content-length') ?? '0');
    if (length > MAX_OCSP_RESPONSE_BYTES) throw new Error(`OCSP stapling: the response of ${length} bytes is too large`);
    const der = Buffer.from(await response.arrayBuffer());
    const parsed = parseOcspResponse(der);
    const single = parsed.basic?.responses.find((candidate) => candidate.certId.der.equals(certId.der));
    if (parsed.status !== 'successful' || single === undefined)
      throw new Error(`OCSP stapling: ${url} gave no answer for the gateway certificate (${parsed.status})`);
    if (single.certStatus.status !== 'good')
      throw new Error(`OCSP stapling: the responder says the gateway certificate is ${single.certStatus.status}`);
    const nextUpdateMs = single.nextUpdate?.getTime() ?? this.options.clock().getTime() + MIN_REFRESH_MS;
    return { der, nextUpdateMs };
  }
}
