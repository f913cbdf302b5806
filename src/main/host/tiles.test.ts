import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLibraryFileResolver } from '../services/library/files';
import { isImmutableTile, resolveRequest } from './static';

let root: string;
let renderer: string;
let resolveLibraryFile: (rel: string) => string | null;
const TILE = '/library/tiles/0123456789abcdef/fedcba9876543210/image_files/9/0_0.png';

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-tiles-'));
  renderer = path.join(root, 'renderer');
  fs.mkdirSync(renderer);
  fs.writeFileSync(path.join(renderer, 'index.html'), '<!doctype html>');
  fs.mkdirSync(path.join(root, 'library', 'tiles'), { recursive: true });
  resolveLibraryFile = createLibraryFileResolver(path.join(root, 'library'));
});
afterAll(() => fs.rmSync(root, { recursive: true, force: true }));

/** A stand-in for the pyramid service: writes the tile where the library expects it. */
function maker(calls: string[]) {
  return async (rel: string) => {
    calls.push(rel);
    const file = path.join(root, 'library', ...rel.split('/'));
    fs.mkdirSync(path.dirname(file), { recursive: true });
    fs.writeFileSync(file, 'png');
    return file;
  };
}

describe('tile misses in the hosts', () => {
  it('makes a missing tile through the pyramid service, then serves the file from disk without asking again', async () => {
    const calls: string[] = [];
    const first = await resolveRequest(TILE, renderer, resolveLibraryFile, maker(calls));
    expect(first).toEqual({ kind: 'file', file: expect.stringMatching(/0_0\.png$/) });
    expect(calls).toEqual([TILE.slice('/library/'.length)]);
    const again = await resolveRequest(TILE, renderer, resolveLibraryFile, maker(calls));
    expect(again.kind).toBe('file');
    expect(calls).toHaveLength(1);
  });

  it('answers not-found when the pyramid cannot make it (out of range, dropped from the queue, not a tile)', async () => {
    const failing = async () => {
      throw new Error('dropped');
    };
    const other = TILE.replace('0_0', '5_5');
    await expect(resolveRequest(other, renderer, resolveLibraryFile, failing)).resolves.toEqual({ kind: 'not-found' });
    await expect(resolveRequest(other, renderer, resolveLibraryFile, async () => null)).resolves.toEqual({ kind: 'not-found' });
  });

  it('never asks the pyramid about other paths, and keeps the library path guard', async () => {
    const calls: string[] = [];
    await expect(resolveRequest('/library/images/x.png', renderer, resolveLibraryFile, maker(calls))).resolves.toEqual({ kind: 'forbidden' });
    await expect(resolveRequest('/library/tiles/%2e%2e/catalog.sqlite', renderer, resolveLibraryFile, maker([]))).resolves.toMatchObject({ kind: 'not-found' });
    await expect(resolveRequest('/', renderer, resolveLibraryFile, maker(calls))).resolves.toMatchObject({ kind: 'file' });
    expect(calls).toEqual([]);
    // A maker that hands back a file the library would not serve is not trusted.
    const outside = async () => path.join(root, 'renderer', 'index.html');
    await expect(resolveRequest(TILE.replace('0_0', '7_7'), renderer, resolveLibraryFile, outside)).resolves.toEqual({ kind: 'not-found' });
  });

  it('marks tiles immutable and nothing else', () => {
    expect(isImmutableTile(TILE)).toBe(true);
    expect(isImmutableTile('/library/tiles/a/b/image.dzi')).toBe(false);
    expect(isImmutableTile('/library/images/a.png')).toBe(false);
  });
});
