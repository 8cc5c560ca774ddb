import { createHash } from 'node:crypto';
import { readdir, readFile, stat } from 'node:fs/promises';
import { httpDate, isNotModified } from './conditional-request.js';
import { extname, join } from 'node:path';
import { sendProblem } from './problem.js';
import type { ServiceHandler, ServiceRequest } from './service-listener.js';

/** One file of a built bundle, held in memory with its validator. */
export interface StaticFile {
  readonly body: Buffer;
  readonly contentType: string;
  readonly etag: string;
  readonly lastModified: Date;
  /** Its name carries a hash of its content (esbuild's `[name]-[hash]`), so it never changes under that name. */
  readonly isImmutable: boolean;
}

/** The types of the files a bundle holds; any other extension is not served. */
const CONTENT_TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.json': 'application/json',
  '.map': 'application/json',
  '.ico': 'image/x-icon',
  '.txt': 'text/plain; charset=utf-8',
};

/** esbuild's `[name]-[hash]` names: an 8-character base32 hash before the extension. */
const HASHED_NAME = /-[A-Z0-9]{8}\.[a-z0-9]+$/;

/** A built bundle is a few files; more is not a bundle this loader should hold in memory. */
const MAX_FILES = 256;

/**
 * Reads every servable file under `dir` into memory, keyed by its path relative to `dir` with `/`
 * separators. Dotfiles and files of other types are left out. Serving from this map alone is
 * what rules out directory traversal: a request names a key or nothing.
 */
export async function loadStaticFiles(dir: string): Promise<ReadonlyMap<string, StaticFile>> {
  const files = new Map<string, StaticFile>();
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  for (const entry of entries) {
    if (!entry.isFile() || entry.name.startsWith('.')) continue;
    const contentType = CONTENT_TYPES[extname(entry.name)];
    if (contentType === undefined) continue;
    const path = join(entry.parentPath, entry.name);
    const key = path.slice(dir.length).split(/[\\/]/).filter(Boolean).join('/');
    if (key.split('/').some((segment) => segment.startsWith('.'))) continue;
    if (files.size === MAX_FILES) throw new Error(`${dir} holds more than ${MAX_FILES} files: not a built bundle`);
    const body = await readFile(path);
    files.set(key, {
      body,
      contentType,
      etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 27)}"`,
      lastModified: (await stat(path)).mtime,
      isImmutable: HASHED_NAME.test(entry.name),
    });
  }
  return files;
}

export interface StaticRouteOptions {
  /** The mount prefix (`/ui`); `prefix/` serves `index.html`. */
  readonly prefix: string;
  readonly files: ReadonlyMap<string, StaticFile>;
  /** Fields every answer carries (Content-Security-Policy and the like). */
  readonly headers: Readonly<Record<string, string>>;
  /**
   * Decides before anything is served; false means the route has already answered (with its
   * problem). Fails closed: a throw is a 500 from the listener, never the file.
   */
  readonly authorize: (request: ServiceRequest) => Promise<boolean>;
}

/**
 * Serves a bundle loaded by `loadStaticFiles` (GET and HEAD): `prefix` redirects to `prefix/`,
 * hashed names are cached for a year, the rest revalidate on every use (ETag, 304).
 */
export function createStaticRoute(options: StaticRouteOptions): ServiceHandler {
  const { prefix, files, headers } = options;
  return async (request) => {
    const { req, res, path } = request;
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      return sendProblem(res, 405, 'HTTP_METHOD_NOT_ALLOWED', `${prefix}/ serves GET and HEAD`, { Allow: 'GET, HEAD', ...headers });
    }
    if (!(await options.authorize(request))) return;
    if (path === prefix) {
      res.writeHead(308, { Location: `${prefix}/`, 'Content-Length': 0, ...headers }).end();
      return;
    }
    const key = path.slice(prefix.length + 1) || 'index.html';
    const file = files.get(key);
    if (file === undefined) return sendProblem(res, 404, 'HTTP_NOT_FOUND', `the dashboard has no file ${key}`, headers);
    const fields = {
      ...headers,
      'Content-Type': file.contentType,
      ETag: file.etag,
      'Last-Modified': httpDate(file.lastModified),
      // private: the bundle is served to admin certificates only, never to shared caches.
      'Cache-Control': file.isImmutable ? 'private, max-age=31536000, immutable' : 'private, no-cache',
    };
    if (isNotModified(req, file.etag, file.lastModified)) {
      res.writeHead(304, fields).end();
      return;
    }
    res.writeHead(200, { ...fields, 'Content-Length': file.body.length });
    res.end(req.method === 'HEAD' ? undefined : file.body);
  };
}
