/**
 * Keeps `tiles/` under a size cap. Units of eviction: one display rendering (`<sourceKey>/<displayKey>/`, last used
 * when its `display.json` was last touched) and one source's shared files (`base.v`, statistics, overviews; last
 * used when its `source.json` was). The least recently used go first; pyramids open in this process are never removed.
 */
import type { Dirent } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';

const KEY_RE = /^[0-9a-f]{16}$/;

interface Unit {
  paths: string[];
  bytes: number;
  lastUsedMs: number;
  pinKey: string;
}

async function sizeOf(target: string): Promise<number> {
  let stat;
  try {
    stat = await fs.lstat(target);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.size;
  let entries: Dirent[];
  try {
    entries = await fs.readdir(target, { withFileTypes: true });
  } catch {
    return 0;
  }
  let total = 0;
  for (const entry of entries) total += await sizeOf(path.join(target, entry.name));
  return total;
}

async function mtimeMs(file: string, fallback: number): Promise<number> {
  try {
    return (await fs.stat(file)).mtimeMs;
  } catch {
    return fallback;
  }
}

async function listDirs(dir: string): Promise<string[]> {
  try {
    const entries = await fs.readdir(dir, { withFileTypes: true });
    return entries.filter((e) => e.isDirectory() && KEY_RE.test(e.name)).map((e) => e.name);
  } catch {
    return [];
  }
}

/** `pinned` holds keys in use: `<sourceKey>` for a base, `<sourceKey>/<displayKey>` for a rendering. */
export async function pruneTileCache(tilesDir: string, maxBytes: number, pinned: ReadonlySet<string>): Promise<{ removedBytes: number; keptBytes: number }> {
  const units: Unit[] = [];
  for (const sourceKey of await listDirs(tilesDir)) {
    const sourceDir = path.join(tilesDir, sourceKey);
    const sourceUsed = await mtimeMs(path.join(sourceDir, 'source.json'), 0);
    for (const displayKey of await listDirs(sourceDir)) {
      const dir = path.join(sourceDir, displayKey);
      units.push({
        paths: [dir],
        bytes: await sizeOf(dir),
        lastUsedMs: await mtimeMs(path.join(dir, 'display.json'), sourceUsed),
        pinKey: `${sourceKey}/${displayKey}`,
      });
    }
    // The base copy, its statistics, persisted overviews and any temp file a crash left behind.
    const baseFiles = (await fs.readdir(sourceDir, { withFileTypes: true }).catch(() => [] as Dirent[]))
      .filter((e) => e.isFile() && e.name !== 'source.json')
      .map((e) => path.join(sourceDir, e.name));
    let baseBytes = 0;
    for (const f of baseFiles) baseBytes += await sizeOf(f);
    if (baseBytes > 0) units.push({ paths: baseFiles, bytes: baseBytes, lastUsedMs: sourceUsed, pinKey: sourceKey });
  }
  let total = units.reduce((sum, u) => sum + u.bytes, 0);
  let removed = 0;
  units.sort((a, b) => a.lastUsedMs - b.lastUsedMs);
  for (const unit of units) {
    if (total <= maxBytes) break;
    if (pinned.has(unit.pinKey)) continue;
    for (const p of unit.paths) await fs.rm(p, { recursive: true, force: true });
    total -= unit.bytes;
    removed += unit.bytes;
  }
  // A source folder with nothing left but its stamp goes too.
  for (const sourceKey of await listDirs(tilesDir)) {
    if (pinned.has(sourceKey)) continue;
    const sourceDir = path.join(tilesDir, sourceKey);
    const left = (await fs.readdir(sourceDir).catch(() => [] as string[])).filter((n) => n !== 'source.json');
    if (left.length === 0) await fs.rm(sourceDir, { recursive: true, force: true });
  }
  return { removedBytes: removed, keptBytes: total };
}
