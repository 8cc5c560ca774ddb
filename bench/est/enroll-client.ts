/**
 * The load side of bench/est.ts, in its own process: EST simpleenroll requests, each on a new
 * TLS connection (full handshake), `inFlight` at a time, for `seconds`. Prints one JSON line:
 * { "count": answered 200, "failed": others, "seconds": elapsed }.
 * Input (JSON on standard input): { url, ca, authorization, csrs: base64[], seconds, inFlight }.
 */
import { request } from 'node:https';
import { createSecureContext } from 'node:tls';
import type { SecureContext } from 'node:tls';

interface Job {
  readonly url: string;
  readonly ca: string;
  readonly authorization: string;
  readonly csrs: readonly string[];
  readonly seconds: number;
  readonly inFlight: number;
}

function enrollOnce(job: Job, secureContext: SecureContext, csr: string): Promise<boolean> {
  return new Promise((resolve) => {
    // One secure context for every connection (as a device keeps its trust store loaded); no
    // agent, so no session is resumed: every enrollment is a full handshake.
    const req = request(
      job.url,
      {
        method: 'POST',
        ...({ secureContext } as object),
        agent: false,
        headers: {
          Authorization: job.authorization,
          'Content-Type': 'application/pkcs10',
          'Content-Length': String(Buffer.byteLength(csr)),
        },
      },
      (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode === 200));
        res.on('error', () => resolve(false));
      },
    );
    req.on('error', () => resolve(false));
    req.end(csr);
  });
}

const chunks: Buffer[] = [];
for await (const chunk of process.stdin) chunks.push(chunk as Buffer);
const job = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Job;
const secureContext = createSecureContext({ ca: job.ca });
let count = 0;
let failed = 0;
let next = 0;
const start = performance.now();
const deadline = start + job.seconds * 1000;
await Promise.all(
  Array.from({ length: job.inFlight }, async () => {
    while (performance.now() < deadline) {
      if (await enrollOnce(job, secureContext, job.csrs[next++ % job.csrs.length]!)) count++;
      else failed++;
    }
  }),
);
const cpu = process.cpuUsage();
process.stdout.write(
  `${JSON.stringify({ count, failed, seconds: (performance.now() - start) / 1000, cpuMs: (cpu.user + cpu.system) / 1000 })}\n`,
);
