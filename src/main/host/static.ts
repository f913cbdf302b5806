/**
 * What both hosts need to answer a request for a path: the renderer's built files or a library file. Kept free of
 * `electron` and of `http` so the Electron protocol handler and the browser host share the rules (and the
 * path-traversal guard) exactly.
 */
import fs from 'node:fs';
import path from 'node:path';
import { LIBRARY_URL_PREFIX } from '../../shared/wire';

const CONTENT_TYPES: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.jpg': 'image/jpeg',
  '.jpeg': 'image/jpeg',
  '.tif': 'image/tiff',
  '.tiff': 'image/tiff',
  '.webp': 'image/webp',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
  '.dzi': 'application/xml',
  '.xml': 'application/xml',
  '.npy': 'application/octet-stream',
  '.bin': 'application/octet-stream',
};

export function contentTypeFor(file: string): string {
  return CONTENT_TYPES[path.extname(file).toLowerCase()] ?? 'application/octet-stream';
}

/** The headers every response carries; the CSP repeats the page's meta tag so files opened directly are covered too. */
export const SECURITY_HEADERS: Record<string, string> = {
  'X-Content-Type-Options': 'nosniff',
  'Referrer-Policy': 'no-referrer',
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Content-Security-Policy':
    "default-src 'self'; img-src 'self' data: blob:; style-src 'self' 'unsafe-inline'; connect-src 'self' ws: wss:; script-src 'self'; object-src 'none'; base-uri 'none'; frame-ancestors 'none'",
};

/**
 * Maps a URL path to a file inside `rootDir`, or null when the path would leave it. Decoding happens once, so
 * `%2e%2e/` is caught the same as `../`; symlinks are resolved before the containment check.
 */
export function resolveInside(rootDir: string, urlPath: string): string | null {
  let decoded: string;
  try {
    decoded = decodeURIComponent(urlPath);
  } catch {
    return null;
  }
  if (decoded.includes('\0') || decoded.includes('\\')) return null;
  const root = path.resolve(rootDir);
  const candidate = path.resolve(root, '.' + path.posix.normalize('/' + decoded));
  if (candidate !== root && !candidate.startsWith(root + path.sep)) return null;
  try {
    const real = fs.realpathSync(candidate);
    const realRoot = fs.realpathSync(root);
    if (real !== realRoot && !real.startsWith(realRoot + path.sep)) return null;
    return real;
  } catch {
    return null;
  }
}

export type StaticTarget = { kind: 'file'; file: string } | { kind: 'not-found' } | { kind: 'forbidden' };

/**
 * Resolves a request path for either host: `/library/...` through the library's own guard, anything else from
 * the renderer build, with `index.html` for the app shell's routes.
 */
export function resolveStatic(
  urlPath: string,
  rendererDir: string,
  resolveLibraryFile: (relativePath: string) => string | null,
): StaticTarget {
  if (urlPath.startsWith(LIBRARY_URL_PREFIX)) {
    const file = resolveLibraryFile(urlPath.slice(LIBRARY_URL_PREFIX.length));
    return file ? { kind: 'file', file } : { kind: 'forbidden' };
  }
  const wanted = urlPath === '/' ? '/index.html' : urlPath;
  const file = resolveInside(rendererDir, wanted);
  if (file && fs.statSync(file).isFile()) return { kind: 'file', file };
  if (!path.extname(wanted)) {
    const index = resolveInside(rendererDir, '/index.html');
    if (index) return { kind: 'file', file: index };
  }
  return { kind: 'not-found' };
}

/** Library tile requests, whose files the pyramid service makes on a miss. */
export const TILE_URL_PREFIX = `${LIBRARY_URL_PREFIX}tiles/`;

/**
 * `resolveStatic`, plus the deep-zoom tile miss: a `/library/tiles/…` path not on disk goes to `makeTile` (the
 * pyramid service's `tileFileForRequest`), which renders it. A tile the queue dropped or that is out of range is
 * `not-found`, so the browser simply asks again later; the path guard stays the library's.
 */
export async function resolveRequest(
  urlPath: string,
  rendererDir: string,
  resolveLibraryFile: (relativePath: string) => string | null,
  makeTile: ((relPath: string, signal?: AbortSignal) => Promise<string | null>) | undefined,
  signal?: AbortSignal,
): Promise<StaticTarget> {
  const target = resolveStatic(urlPath, rendererDir, resolveLibraryFile);
  if (target.kind === 'file' || !makeTile || !urlPath.startsWith(TILE_URL_PREFIX)) return target;
  let rel: string;
  try {
    rel = decodeURIComponent(urlPath.slice(LIBRARY_URL_PREFIX.length));
  } catch {
    return { kind: 'forbidden' };
  }
  try {
    const made = await makeTile(rel, signal);
    // What is served is what the library's own path guard resolves, now that the tile exists.
    const file = made ? resolveLibraryFile(rel) : null;
    return file ? { kind: 'file', file } : { kind: 'not-found' };
  } catch {
    return { kind: 'not-found' };
  }
}

/** Tiles live under content-derived keys (source hash + display settings + render version): never stale. */
export function isImmutableTile(urlPath: string): boolean {
  return urlPath.startsWith(TILE_URL_PREFIX) && urlPath.includes('/image_files/');
}
