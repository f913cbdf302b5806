import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { levelCount, levelSize, maxLevel, tileGrid, tileRect } from './dzi';
import { decodeRaw, makeLibrary, writeFloatTiff, writePng16, writePng8, writeRawF32 } from './fixtures';
import { createPyramidService, type PyramidService } from './service';
import { rawFileSink } from '../inference/raster';

let libraryDir: string;
let service: PyramidService;

beforeAll(async () => {
  libraryDir = await makeLibrary();
  service = createPyramidService({ libraryDir, concurrency: 2 });
});

afterAll(async () => {
  await service.close();
  await fs.rm(libraryDir, { recursive: true, force: true });
});

const inLibrary = (rel: string) => path.join(libraryDir, rel);

function meanAbsDiff(a: Uint8Array, b: Uint8Array): number {
  expect(a.length).toBe(b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
}

describe('pyramid descriptor', () => {
  it('writes a DZI with the image size, 254/1 tiles and ceil(log2(max side)) + 1 levels', async () => {
    await writePng8(inLibrary('images/rgb.png'), 1000, 700, 3);
    const info = await service.ensurePyramid('images/rgb.png');
    expect(info).toMatchObject({ width: 1000, height: 700, tileSize: 254, overlap: 1, format: 'jpeg', levels: 11, sampleFormat: 'uchar' });
    expect(info.levels).toBe(Math.ceil(Math.log2(1000)) + 1);
    expect(info.dziUrl).toBe(`/library/tiles/${info.key}/image.dzi`);
    const xml = await fs.readFile(path.join(libraryDir, info.dziUrl.slice('/library/'.length)), 'utf8');
    expect(xml).toMatch(/<Image xmlns="http:\/\/schemas.microsoft.com\/deepzoom\/2008" Format="jpeg" Overlap="1" TileSize="254">/);
    expect(xml).toMatch(/<Size Width="1000" Height="700"\/>/);
  });

  it('refuses a file that is not an image with a clear error', async () => {
    await fs.writeFile(inLibrary('images/not-an-image.png'), 'hello');
    await expect(service.ensurePyramid('images/not-an-image.png')).rejects.toMatchObject({ code: 'unreadable-image' });
    await expect(service.ensurePyramid('images/missing.png')).rejects.toMatchObject({ code: 'not-found' });
  });

  it('refuses a raw float file whose header is missing or promises more than the file holds', async () => {
    await fs.writeFile(inLibrary('derived/orphan.f32'), Buffer.alloc(16));
    await expect(service.ensurePyramid('derived/orphan.f32')).rejects.toMatchObject({ code: 'unreadable-image' });
    await fs.writeFile(inLibrary('derived/short.f32'), Buffer.alloc(16));
    await fs.writeFile(inLibrary('derived/short.json'), JSON.stringify({ width: 10, height: 10, channels: 1, dtype: 'float32' }));
    await expect(service.ensurePyramid('derived/short.f32')).rejects.toMatchObject({ code: 'unreadable-image', message: expect.stringContaining('truncated') });
    await fs.writeFile(inLibrary('derived/f64.f32'), Buffer.alloc(800));
    await fs.writeFile(inLibrary('derived/f64.json'), JSON.stringify({ width: 10, height: 10, channels: 1, dtype: 'float64' }));
    await expect(service.ensurePyramid('derived/f64.f32')).rejects.toMatchObject({ code: 'unreadable-image' });
  });

  it('reads the inference engine\'s raw output (x.f32 + x.f32.json with widthPx/heightPx, HWC) as the engine wrote it', async () => {
    const [W, H, C] = [6, 4, 3];
    const values = Float32Array.from({ length: W * H * C }, (_, i) => i / 10 - 1);
    const sink = await rawFileSink(inLibrary('derived/engine.f32'), { widthPx: W, heightPx: H, channels: C, channelNames: ['r', 'g', 'b'], provenance: null });
    await sink.writeRows(0, values);
    await sink.finish(true);
    const info = await service.ensurePyramid('derived/engine.f32', { window: [-1, 6] });
    expect(info).toMatchObject({ width: W, height: H, bands: C, sampleFormat: 'float' });
    // An RGB float base is `multiband` to libvips: its tiles are made without a colour-space conversion.
    const tile = await service.tileFileForRequest(info.dziUrl.replace('/library/', '').replace('image.dzi', `image_files/${info.levels - 1}/0_0.jpeg`), {});
    expect(tile && (await sharp(tile).metadata())).toMatchObject({ width: W, height: H, channels: 3 });
  });

  it('refuses display settings that make no sense', async () => {
    await expect(service.ensurePyramid('images/rgb.png', { window: [5, 5] })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(service.ensurePyramid('images/rgb.png', { gamma: 0 })).rejects.toMatchObject({ code: 'invalid-input' });
    await expect(service.ensurePyramid('images/rgb.png', { colormap: 'rainbow' as 'grey' })).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('tiles', () => {
  // 5000×3000: levels 12 (2500) and below are cut from the in-memory overview, 13 (5000) comes from the base copy.
  const W = 5000;
  const H = 3000;
  let source: Uint8Array;

  beforeAll(async () => {
    source = await writePng8(inLibrary('images/grey.png'), W, H, 1);
  });

  it('full-resolution tiles are the source pixels exactly', async () => {
    const info = await service.ensurePyramid('images/grey.png');
    expect(info.format).toBe('png');
    const top = maxLevel(W, H);
    const size = levelSize(W, H, top);
    for (const [col, row] of [
      [0, 0],
      [7, 5],
      [tileGrid(size).cols - 1, tileGrid(size).rows - 1],
    ]) {
      const tile = await decodeRaw(await service.tileFile(info.key, top, col, row));
      const rect = tileRect(size, col, row);
      expect([tile.width, tile.height, tile.channels]).toEqual([rect.width, rect.height, 1]);
      const expected = new Uint8Array(rect.width * rect.height);
      for (let y = 0; y < rect.height; y++) {
        expected.set(source.subarray((rect.top + y) * W + rect.left, (rect.top + y) * W + rect.left + rect.width), y * rect.width);
      }
      expect(Buffer.compare(Buffer.from(tile.data), Buffer.from(expected))).toBe(0);
    }
  });

  it('lower-level tiles match a sharp resize of the source', async () => {
    const info = await service.ensurePyramid('images/grey.png');
    // Levels are 2×2 box averages of the level above; a Lanczos resize keeps a little more of the test pattern's
    // wave, so the deeper the level the larger the (visually irrelevant) difference allowed.
    for (const [level, tolerance] of [
      [maxLevel(W, H) - 1, 1],
      [maxLevel(W, H) - 2, 1],
      [maxLevel(W, H) - 4, 5],
    ]) {
      const size = levelSize(W, H, level);
      const reference = await sharp(inLibrary('images/grey.png')).resize(size.width, size.height, { fit: 'fill' }).toColourspace('b-w').raw().toBuffer();
      const grid = tileGrid(size);
      const col = Math.floor(grid.cols / 2);
      const row = grid.rows - 1;
      const rect = tileRect(size, col, row);
      const tile = await decodeRaw(await service.tileFile(info.key, level, col, row));
      expect([tile.width, tile.height]).toEqual([rect.width, rect.height]);
      const expected = new Uint8Array(rect.width * rect.height);
      for (let y = 0; y < rect.height; y++) {
        const from = (rect.top + y) * size.width + rect.left;
        expected.set(reference.subarray(from, from + rect.width), y * rect.width);
      }
      expect(meanAbsDiff(new Uint8Array(tile.data), expected)).toBeLessThan(tolerance);
    }
  });

  it('RGB photographs come as JPEG tiles close to the source', async () => {
    const rgb = await writePng8(inLibrary('images/rgb-large.png'), 3000, 2000, 3);
    const info = await service.ensurePyramid('images/rgb-large.png');
    expect(info.format).toBe('jpeg');
    const file = await service.tileFile(info.key, maxLevel(3000, 2000), 3, 2);
    expect(file.endsWith('.jpeg')).toBe(true);
    const tile = await decodeRaw(file);
    const rect = tileRect({ width: 3000, height: 2000 }, 3, 2);
    expect(tile.channels).toBe(3);
    const expected = new Uint8Array(rect.width * rect.height * 3);
    for (let y = 0; y < rect.height; y++) {
      const from = ((rect.top + y) * 3000 + rect.left) * 3;
      expected.set(rgb.subarray(from, from + rect.width * 3), y * rect.width * 3);
    }
    expect(meanAbsDiff(new Uint8Array(tile.data), expected)).toBeLessThan(2);
  });

  it('makes a tile once for concurrent requests and serves it from disk after', async () => {
    const info = await service.ensurePyramid('images/grey.png', { gamma: 0.5 });
    const before = service.stats().tilesGenerated;
    const files = await Promise.all(Array.from({ length: 6 }, () => service.tileFile(info.key, 12, 4, 3)));
    expect(new Set(files).size).toBe(1);
    expect(service.stats().tilesGenerated).toBe(before + 1);
    await service.tileFile(info.key, 12, 4, 3);
    expect(service.stats().tilesGenerated).toBe(before + 1);
  });

  it('decodes the overview once for two display settings opened together', async () => {
    await writePng8(inLibrary('images/twice.png'), 900, 600, 1);
    const before = service.stats().overviewsBuilt;
    const [a, b] = await Promise.all([service.ensurePyramid('images/twice.png'), service.ensurePyramid('images/twice.png', { window: [0, 128] })]);
    await Promise.all([service.tileFile(a.key, 9, 0, 0), service.tileFile(b.key, 9, 0, 0)]);
    expect(service.stats().overviewsBuilt).toBe(before + 1);
  });

  it('lets a caller that no longer wants a tile withdraw it', async () => {
    const info = await service.ensurePyramid('images/grey.png', { gamma: 1.5 });
    const controller = new AbortController();
    controller.abort();
    await expect(service.tileFile(info.key, 13, 1, 1, { signal: controller.signal })).rejects.toMatchObject({ name: 'TileCancelledError' });
  });

  it('answers host requests by path and refuses tiles that do not exist', async () => {
    const info = await service.ensurePyramid('images/grey.png');
    const file = await service.tileFileForRequest(`tiles/${info.key}/image_files/5/0_0.png`);
    expect(file).toBe(path.join(libraryDir, 'tiles', info.key, 'image_files', '5', '0_0.png'));
    expect(await service.tileFileForRequest(`tiles/${info.key}/image_files/5/0_0.jpeg`)).toBeNull();
    await expect(service.tileFile(info.key, 13, 999, 0)).rejects.toMatchObject({ code: 'not-found' });
    await expect(service.tileFile(info.key, levelCount(W, H), 0, 0)).rejects.toMatchObject({ code: 'not-found' });
  });
});

describe('16-bit counts', () => {
  const W = 400;
  const H = 300;
  let values: Uint16Array;

  beforeAll(async () => {
    values = new Uint16Array(W * H);
    for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) values[y * W + x] = 1000 + Math.round((x / (W - 1)) * 2000);
    // A few hot and dead pixels (under 0.1 %) must not stretch the default window.
    for (let i = 0; i < 50; i++) values[i * 997] = i % 2 ? 65535 : 0;
    await writePng16(inLibrary('images/counts16.png'), W, H, values);
  });

  it('defaults to the 0.1–99.9 percentile window', async () => {
    const info = await service.ensurePyramid('images/counts16.png');
    expect(info.sampleFormat).toBe('ushort');
    const settings = await service.displaySettings(info.key);
    expect(settings.window[0]).toBeGreaterThanOrEqual(1000);
    expect(settings.window[0]).toBeLessThan(1010);
    expect(settings.window[1]).toBeGreaterThan(2990);
    expect(settings.window[1]).toBeLessThanOrEqual(3000);
    const tile = await decodeRaw(await service.tileFile(info.key, maxLevel(W, H), 0, 0));
    expect(tile.channels).toBe(1);
    // Column 0 is the window's bottom (black), the middle column mid-grey.
    expect(tile.data[10 * tile.width + 0]).toBe(0);
    expect(Math.abs(tile.data[10 * tile.width + 200] - 128)).toBeLessThanOrEqual(2);
  });

  it('maps an explicit window and reads out true counts', async () => {
    const info = await service.ensurePyramid('images/counts16.png', { window: [1000, 2000] });
    const tile = await decodeRaw(await service.tileFile(info.key, maxLevel(W, H), 0, 0));
    const x = Math.round(((1500 - 1000) / 2000) * (W - 1)); // value ≈ 1500
    expect(Math.abs(tile.data[10 * tile.width + x] - 128)).toBeLessThanOrEqual(2);
    expect(tile.data[10 * tile.width + 250]).toBe(255); // value ≈ 2250, above the window
    expect(await service.pixelValue('images/counts16.png', 300, 10)).toEqual([values[10 * W + 300]]);
    expect(await service.pixelValue('images/counts16.png', 0, 0)).toEqual([0]);
    expect(await service.pixelValue('images/counts16.png', 997 % W, Math.floor(997 / W))).toEqual([65535]);
    await expect(service.pixelValue('images/counts16.png', W, 0)).rejects.toMatchObject({ code: 'invalid-input' });
  });
});

describe('float32 phase', () => {
  const W = 300;
  const H = 200;
  const phase = new Float32Array(W * H);
  beforeAll(async () => {
    for (let y = 0; y < H; y++) {
      for (let x = 0; x < W; x++) phase[y * W + x] = x < 100 ? -Math.PI : x < 200 ? ((x - 150) / 50) * Math.PI : Math.PI;
    }
    await writeFloatTiff(inLibrary('derived/phase.tif'), W, H, phase);
    await writeRawF32(inLibrary('derived/phase.f32'), W, H, phase);
  });

  for (const file of ['derived/phase.tif', 'derived/phase.f32']) {
    it(`shows ${file} in the cyclic map with −π and +π one colour and reads radians`, async () => {
      const info = await service.ensurePyramid(file, { colormap: 'cyclic' });
      expect(info).toMatchObject({ sampleFormat: 'float', format: 'png', width: W, height: H });
      expect(info.display?.window).toEqual([-Math.PI, Math.PI]);
      const tile = await decodeRaw(await service.tileFile(info.key, maxLevel(W, H), 0, 0));
      expect(tile.channels).toBe(3);
      const rgb = (x: number, y: number) => Array.from(tile.data.subarray((y * tile.width + x) * 3, (y * tile.width + x) * 3 + 3));
      expect(rgb(20, 20)).toEqual(rgb(250, 20));
      expect(rgb(150, 20)).not.toEqual(rgb(20, 20));
      const [value] = await service.pixelValue(file, 250, 7);
      expect(value).toBe(Math.fround(Math.PI));
      const [mid] = await service.pixelValue(file, 175, 7);
      expect(mid).toBeCloseTo(Math.PI / 2, 5);
    });
  }

  it('keeps the cyclic seam in lower levels (averaged as colours, not as angles)', async () => {
    const info = await service.ensurePyramid('derived/phase.tif', { colormap: 'cyclic' });
    const top = await decodeRaw(await service.tileFile(info.key, maxLevel(W, H), 0, 0));
    const half = await decodeRaw(await service.tileFile(info.key, maxLevel(W, H) - 1, 0, 0));
    const at = (img: { data: Buffer; width: number }, x: number, y: number) => Array.from(img.data.subarray((y * img.width + x) * 3, (y * img.width + x) * 3 + 3));
    expect(at(half, 10, 10)).toEqual(at(top, 20, 20));
    expect(at(half, 140, 10)).toEqual(at(top, 280, 20));
  });
});

describe('cache keys and paths', () => {
  it('gives each display setting and each version of the source its own key', async () => {
    await writePng8(inLibrary('images/keys.png'), 300, 300, 1);
    const a = await service.ensurePyramid('images/keys.png');
    const b = await service.ensurePyramid('images/keys.png', { window: [10, 200] });
    const again = await service.ensurePyramid('images/keys.png', {});
    expect(b.key).not.toBe(a.key);
    expect(again.key).toBe(a.key);
    expect(b.key.split('/')[0]).toBe(a.key.split('/')[0]);
    const later = new Date(Date.now() + 5000);
    await fs.utimes(inLibrary('images/keys.png'), later, later);
    const changed = await service.ensurePyramid('images/keys.png');
    expect(changed.key.split('/')[0]).not.toBe(a.key.split('/')[0]);
    const bySha = await service.ensurePyramid('images/keys.png', undefined, { sourceSha256: 'ab'.repeat(32) });
    expect(bySha.key).not.toBe(changed.key);
  });

  it('never resolves a path outside tiles/ or a source outside the library', async () => {
    const info = await service.ensurePyramid('images/keys.png');
    for (const bad of ['../../etc', '..', `${info.key}/..`, 'abc/def', `${info.key.split('/')[0]}/../../x`, '']) {
      await expect(service.tileFile(bad, 0, 0, 0)).rejects.toMatchObject({ code: 'invalid-input' });
    }
    for (const request of [
      `tiles/${info.key}/../../../catalog.sqlite`,
      `tiles/${info.key}/image_files/0/0_0.png/../../../../../x.png`,
      'tiles/../images/keys.png',
      `tiles/${info.key}/image_files/0/-1_0.png`,
      `tiles/${info.key}/image_files/0/0_0.svg`,
    ]) {
      expect(await service.tileFileForRequest(request)).toBeNull();
    }
    const file = await service.tileFile(info.key, 0, 0, 0);
    expect(file.startsWith(path.join(libraryDir, 'tiles') + path.sep)).toBe(true);

    const outside = path.join(path.dirname(libraryDir), `outside-${path.basename(libraryDir)}.png`);
    await fs.copyFile(inLibrary('images/keys.png'), outside);
    await fs.symlink(outside, inLibrary('images/link.png'));
    try {
      for (const bad of ['../outside.png', outside, 'images/../../x.png', 'images/link.png', 'tiles/x.png', 'images\\keys.png']) {
        await expect(service.ensurePyramid(bad)).rejects.toMatchObject({ code: 'invalid-input' });
      }
    } finally {
      await fs.rm(outside, { force: true });
    }
  });

  it('removes the least recently used pyramids past the size cap, keeping open ones', async () => {
    const dir = await makeLibrary();
    try {
      const first = createPyramidService({ libraryDir: dir });
      await writePng8(path.join(dir, 'images/a.png'), 600, 600, 1);
      const old = await first.ensurePyramid('images/a.png', { window: [0, 100] });
      const recent = await first.ensurePyramid('images/a.png', { window: [0, 200] });
      for (const p of [old, recent]) for (let c = 0; c < 3; c++) await first.tileFile(p.key, 10, c, 1);
      await first.idle();
      await first.close();
      const stamp = async (key: string, secondsAgo: number) => {
        const when = new Date(Date.now() - secondsAgo * 1000);
        await fs.utimes(path.join(dir, 'tiles', key, 'display.json'), when, when);
      };
      await stamp(old.key, 3600);
      await stamp(recent.key, 60);

      const second = createPyramidService({ libraryDir: dir });
      const reopened = await second.ensurePyramid('images/a.png', { window: [0, 100] }); // now the most recent, and open
      expect(reopened.key).toBe(old.key);
      const result = await second.pruneCache(1);
      expect(result.removedBytes).toBeGreaterThan(0);
      await expect(fs.stat(path.join(dir, 'tiles', recent.key))).rejects.toThrow();
      await fs.stat(path.join(dir, 'tiles', old.key, 'image.dzi'));
      await second.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('prepared at import, a capture opens later without decoding its file again', async () => {
    const dir = await makeLibrary();
    try {
      await writePng8(path.join(dir, 'images/p.png'), 3000, 1000, 3);
      const importer = createPyramidService({ libraryDir: dir });
      await importer.prepare('images/p.png');
      await importer.idle();
      expect(importer.stats()).toMatchObject({ overviewsBuilt: 1, basesBuilt: 0 });
      await importer.close();
      const viewer = createPyramidService({ libraryDir: dir });
      const info = await viewer.ensurePyramid('images/p.png', { gamma: 0.8 });
      await viewer.tileFile(info.key, 10, 0, 0);
      await viewer.tileFile(info.key, 12, 5, 2);
      await viewer.idle();
      expect(viewer.stats()).toMatchObject({ overviewsBuilt: 0, basesBuilt: 1, tilesGenerated: 2 });
      await viewer.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('on a cold open, draws the smallest levels from the thumbnail while the overview decodes', async () => {
    const dir = await makeLibrary();
    try {
      await writePng8(path.join(dir, 'images/big.png'), 6000, 4000, 3);
      await fs.mkdir(path.join(dir, 'thumbs'));
      // A thumbnail that is plainly not the image, so the test sees where each tile came from.
      await sharp({ create: { width: 256, height: 171, channels: 3, background: { r: 255, g: 0, b: 0 } } }).png().toFile(path.join(dir, 'thumbs/big.png'));
      const viewer = createPyramidService({ libraryDir: dir });
      const info = await viewer.ensurePyramid('images/big.png', undefined, { previewRelPath: 'thumbs/big.png' });
      const red = async (key: string, level: number) => {
        const { data } = await decodeRaw(await viewer.tileFile(key, level, 0, 0));
        return data[0] > 240 && data[1] < 16 && data[2] < 16; // JPEG tiles: near, not exactly, pure red
      };
      expect(await red(info.key, 7)).toBe(true); // 94×63: within the thumbnail
      expect(await red(info.key, 10)).toBe(false); // 750×500: from the overview
      // Once the overview is there, levels not yet made come from it.
      expect(await red(info.key, 6)).toBe(false);
      // Settings that change the pixels never use the thumbnail.
      const windowed = await viewer.ensurePyramid('images/big.png', { window: [0, 100] }, { previewRelPath: 'thumbs/big.png' });
      expect(await red(windowed.key, 5)).toBe(false);
      await viewer.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });

  it('reopens a pyramid made in an earlier session when a host asks for one of its tiles', async () => {
    const dir = await makeLibrary();
    try {
      await writePng8(path.join(dir, 'images/b.png'), 500, 400, 3);
      const first = createPyramidService({ libraryDir: dir });
      const info = await first.ensurePyramid('images/b.png');
      await first.close();
      const second = createPyramidService({ libraryDir: dir });
      const file = await second.tileFileForRequest(`tiles/${info.key}/image_files/9/1_1.jpeg`);
      expect(file).not.toBeNull();
      await fs.stat(file as string);
      await second.close();
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  });
});
