/**
 * The library folder and its file rules.
 *
 *   catalog.sqlite (+ -wal, -shm)   the catalog; rows name files by library-relative forward-slash paths
 *   images/s<session>/<uuid>.<ext> original bytes of each capture, never re-encoded
 *   thumbs/s<session>/<uuid>.png    8-bit previews, ≤ 256 px
 *   derived/…                       results (enhanced, amplitude, phase…), named by derivative rows
 *   tiles/…                         deep-zoom cache, rebuildable, owned by the pyramid service
 *   .staging/<upload id>            uploads waiting for an import; cleared on every open
 *
 * Every file is written to a temp name beside its target, fsynced, renamed, and its folder fsynced, before the
 * row that names it commits. Served URLs are `/library/<relative path>`.
 */
import { createHash, randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import { Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';

/** The library's top-level folders that hold files served to the renderer. */
export const SERVED_DIRS = ['images', 'thumbs', 'tiles', 'derived'] as const;
export const CATALOG_FILE = 'catalog.sqlite';
export const STAGING_DIR = '.staging';

/** A temp name next to its target (same file system, so rename is atomic); the sweep recognises the suffix. */
export const TEMP_SUFFIX = '.partial';
export const tempPathFor = (target: string): string => `${target}.${randomUUID().slice(0, 8)}${TEMP_SUFFIX}`;

/**
 * fsync a directory so a rename inside it survives a power cut. Windows cannot open directories for fsync; NTFS
 * journals the rename itself, so there it is skipped.
 */
export async function fsyncDir(dir: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

async function fsyncFile(file: string): Promise<void> {
  const handle = await fsp.open(file, 'r+');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Copies a file byte for byte to `dest`, hashing on the way; `dest` is fsynced before this resolves. */
export async function copyAndHash(source: string, dest: string): Promise<{ sha256: string; byteSize: number }> {
  const hash = createHash('sha256');
  let byteSize = 0;
  const tap = new Transform({
    transform(chunk: Buffer, _encoding, done) {
      hash.update(chunk);
      byteSize += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(fs.createReadStream(source), tap, fs.createWriteStream(dest, { flags: 'wx' }));
  await fsyncFile(dest);
  return { sha256: hash.digest('hex'), byteSize };
}

export async function writeDurably(dest: string, data: Buffer): Promise<void> {
  const handle = await fsp.open(dest, 'wx');
  try {
    await handle.writeFile(data);
    await handle.sync();
  } finally {
    await handle.close();
  }
}

/** Moves a fully written temp file into place and makes the new name durable. */
export async function commitFile(temp: string, target: string): Promise<void> {
  await fsp.rename(temp, target);
  await fsyncDir(path.dirname(target));
}

export async function unlinkQuietly(file: string): Promise<void> {
  await fsp.rm(file, { force: true }).catch(() => undefined);
}

/**
 * Maps a library URL path (`images/s1/x.png`, optionally with the `/library/` prefix, URL-encoded) to an
 * absolute path, or null. Refuses anything that is not a plain relative path below one of the served folders:
 * `..` or `.` segments, absolute or drive paths, backslashes, NUL, the catalog itself, and any symlink whose
 * target leaves the folder it was found in.
 */
export function createLibraryFileResolver(libraryDir: string): (relUrlPath: string) => string | null {
  const root = path.resolve(libraryDir);
  return (relUrlPath) => {
    let rel = relUrlPath;
    if (rel.startsWith('/library/')) rel = rel.slice('/library/'.length);
    const query = rel.search(/[?#]/);
    if (query >= 0) rel = rel.slice(0, query);
    let decoded: string;
    try {
      decoded = decodeURIComponent(rel);
    } catch {
      return null;
    }
    if (decoded === '' || decoded.includes('\0') || decoded.includes('\\') || decoded.startsWith('/')) return null;
    const segments = decoded.split('/');
    if (segments.some((s) => s === '' || s === '.' || s === '..' || s.includes(':'))) return null;
    const top = segments[0] as (typeof SERVED_DIRS)[number];
    if (!SERVED_DIRS.includes(top) || segments.length < 2) return null;
    const candidate = path.join(root, ...segments);
    try {
      const realBase = fs.realpathSync(path.join(root, top));
      const real = fs.realpathSync(candidate);
      if (!real.startsWith(realBase + path.sep)) return null;
      if (!fs.statSync(real).isFile()) return null;
      return real;
    } catch {
      return null;
    }
  };
}

/** Every regular file below `dir`, as library-relative forward-slash paths (`prefix/…`). */
export async function listFilesRecursive(dir: string, prefix: string): Promise<string[]> {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = await fsp.readdir(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = `${prefix}/${entry.name}`;
    const abs = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...(await listFilesRecursive(abs, rel)));
    else out.push(rel);
  }
  return out;
}
