import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { Transform, type Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { AppError } from '../../../shared/errors';
import { openCatalog, referencedFiles, type Db } from '../catalog';
import { CATALOG_FILE, STAGING_DIR, TEMP_SUFFIX, createLibraryFileResolver, unlinkQuietly } from './files';

/** Folders whose every file must be referenced by a catalog row; `tiles/` is a rebuildable cache and is not. */
const ROW_BACKED_DIRS = ['images', 'thumbs', 'derived'] as const;
const LOCK_FILE = '.lucida.lock';
const UPLOAD_ID = /^[a-f0-9-]{36}$/;
/** Generous for stitched mosaics, but a runaway or hostile POST cannot fill the disk. */
export const DEFAULT_MAX_UPLOAD_BYTES = 8 * 1024 ** 3;

const formatBytes = (n: number): string =>
  n >= 1024 ** 3 ? `${+(n / 1024 ** 3).toFixed(1)} GiB` : n >= 1024 ** 2 ? `${+(n / 1024 ** 2).toFixed(1)} MiB` : `${n} bytes`;

export interface Library {
  readonly dir: string;
  readonly db: Db;
  resolveLibraryFile(relUrlPath: string): string | null;
  /** Absolute path of a library-relative path the catalog stores. */
  abs(relativePath: string): string;
  stageUpload(readable: Readable, name: string): Promise<string>;
  stagedPath(uploadId: string): string | null;
  /** Unlinks library files after the rows that named them are committed away. */
  removeFiles(relativePaths: readonly string[]): Promise<void>;
  /** What the last open's sweep removed, for the log and for tests. */
  readonly sweepReport: SweepReport;
  close(): void;
}

export interface SweepReport {
  skipped: boolean;
  removed: string[];
  stagingCleared: number;
}

/**
 * Opens a library folder: creates its layout, opens the catalog, and — when no other live process holds the
 * library — clears `.staging/` and removes every file under images/, thumbs/ and derived/ that no row names.
 * Those are temp files and files renamed into place by an import killed before its row committed. The sweep is
 * synchronous on purpose: it must finish before any import in this process can create new in-flight files.
 */
export function openLibrary(
  dir: string,
  log: (message: string) => void = () => undefined,
  { maxUploadBytes = DEFAULT_MAX_UPLOAD_BYTES }: { maxUploadBytes?: number } = {},
): Library {
  const root = path.resolve(dir);
  for (const sub of ['images', 'thumbs', 'tiles', 'derived', STAGING_DIR]) fs.mkdirSync(path.join(root, sub), { recursive: true });
  const db = openCatalog(path.join(root, CATALOG_FILE));
  const ownsLock = takeLock(root);
  let sweepReport: SweepReport = { skipped: true, removed: [], stagingCleared: 0 };
  if (ownsLock) {
    try {
      sweepReport = sweep(root, db);
      if (sweepReport.removed.length) log(`[library] removed ${sweepReport.removed.length} file(s) with no catalog row`);
    } catch (error) {
      log(`[library] sweep skipped: ${error instanceof Error ? error.message : String(error)}`);
    }
  } else {
    log('[library] another Lucida process has this library open; leaving its in-flight files alone');
  }
  const staging = path.join(root, STAGING_DIR);
  let closed = false;

  return {
    dir: root,
    db,
    resolveLibraryFile: createLibraryFileResolver(root),
    abs: (relativePath) => path.join(root, ...relativePath.split('/')),
    get sweepReport() {
      return sweepReport;
    },
    async stageUpload(readable, name) {
      if (closed) throw new AppError('internal', 'Lucida is shutting down; upload the file again after it restarts.');
      // The staged file is named by its id alone; the display name travels with the import source.
      const uploadId = randomUUID();
      const target = path.join(staging, uploadId);
      let received = 0;
      const limit = new Transform({
        transform(chunk: Buffer, _encoding, done) {
          received += chunk.length;
          if (received > maxUploadBytes) {
            done(new AppError('invalid-input', `${name} is larger than ${formatBytes(maxUploadBytes)}, the most Lucida accepts in one upload.`));
          } else done(null, chunk);
        },
      });
      try {
        await pipeline(readable, limit, fs.createWriteStream(target, { flags: 'wx' }));
      } catch (error) {
        await unlinkQuietly(target);
        if (error instanceof AppError) throw error;
        throw new AppError('invalid-input', `The upload of ${name} did not complete; try again.`);
      }
      return uploadId;
    },
    stagedPath(uploadId) {
      if (!UPLOAD_ID.test(uploadId)) return null;
      const file = path.join(staging, uploadId);
      return fs.existsSync(file) ? file : null;
    },
    async removeFiles(relativePaths) {
      for (const rel of relativePaths) await unlinkQuietly(path.join(root, ...rel.split('/')));
    },
    close() {
      if (closed) return;
      closed = true;
      db.close();
      if (ownsLock) releaseLock(root);
    },
  };
}

function sweep(root: string, db: Db): SweepReport {
  const staging = path.join(root, STAGING_DIR);
  let stagingCleared = 0;
  for (const entry of fs.readdirSync(staging)) {
    fs.rmSync(path.join(staging, entry), { recursive: true, force: true });
    stagingCleared++;
  }
  const referenced = referencedFiles(db);
  const removed: string[] = [];
  for (const top of ROW_BACKED_DIRS) {
    for (const rel of listFilesSync(path.join(root, top), top)) {
      if (isKept(rel, referenced)) continue;
      fs.rmSync(path.join(root, ...rel.split('/')), { force: true });
      removed.push(rel);
    }
    removeEmptyDirs(path.join(root, top), false);
  }
  return { skipped: false, removed, stagingCleared };
}

/**
 * A file survives when a row names it, or when it is a sidecar of a file a row names: a derivative stored as
 * `x.f32` keeps `x.f32.json` (its header) and `x.png` (a companion rendering). Temp files never match a row.
 */
function isKept(rel: string, referenced: ReadonlySet<string>): boolean {
  if (referenced.has(rel)) return true;
  if (!rel.startsWith('derived/') || rel.endsWith(TEMP_SUFFIX) || rel.endsWith('.part')) return false;
  const stems = stemsOf(referenced);
  for (let candidate = rel; candidate.lastIndexOf('.') > candidate.lastIndexOf('/'); ) {
    candidate = candidate.slice(0, candidate.lastIndexOf('.'));
    if (referenced.has(candidate) || stems.has(candidate)) return true;
  }
  return false;
}

const stemCache = new WeakMap<ReadonlySet<string>, Set<string>>();
function stemsOf(referenced: ReadonlySet<string>): Set<string> {
  let stems = stemCache.get(referenced);
  if (!stems) {
    stems = new Set();
    for (const ref of referenced) {
      const dot = ref.lastIndexOf('.');
      if (dot > ref.lastIndexOf('/')) stems.add(ref.slice(0, dot));
    }
    stemCache.set(referenced, stems);
  }
  return stems;
}

/** Drops folders left empty (a deleted session's `images/s12/`); returns whether `dir` itself is now empty. */
function removeEmptyDirs(dir: string, removeSelf: boolean): boolean {
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return false;
  }
  let empty = true;
  for (const entry of entries) {
    if (entry.isDirectory() && removeEmptyDirs(path.join(dir, entry.name), true)) continue;
    empty = false;
  }
  if (empty && removeSelf) fs.rmdirSync(dir);
  return empty;
}

function listFilesSync(dir: string, prefix: string): string[] {
  const out: string[] = [];
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(dir, { withFileTypes: true });
  } catch {
    return out;
  }
  for (const entry of entries) {
    const rel = `${prefix}/${entry.name}`;
    if (entry.isDirectory()) out.push(...listFilesSync(path.join(dir, entry.name), rel));
    else out.push(rel);
  }
  return out;
}

/**
 * A pid file, not an OS lock: it only decides whether this process may sweep. A stale file from a killed
 * process (the pid is gone) is taken over; a live holder means its imports may be mid-flight, so no sweep.
 */
function takeLock(root: string): boolean {
  const file = path.join(root, LOCK_FILE);
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      fs.writeFileSync(file, String(process.pid), { flag: 'wx' });
      return true;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') return false;
      const holder = Number.parseInt(fs.readFileSync(file, 'utf8'), 10);
      if (Number.isInteger(holder) && holder > 0 && holder !== process.pid && isAlive(holder)) return false;
      fs.rmSync(file, { force: true });
    }
  }
  return false;
}

function releaseLock(root: string): void {
  const file = path.join(root, LOCK_FILE);
  try {
    if (fs.readFileSync(file, 'utf8') === String(process.pid)) fs.rmSync(file, { force: true });
  } catch {
    // already gone
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}
