/**
 * A long import shows its progress and stops when asked: the files imported before Cancel stay, the rest are
 * never added, and the outcome says how far it got.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { createSession, createSpecimen, importFiles, waitForImportEnd } from './steps';

const FILES = 40;

describe('cancelling an import', () => {
  let app: Lucida;
  const files: string[] = [];

  beforeAll(async () => {
    app = await startLucida('cancel');
    const dir = `${app.libraryDir}-inputs`;
    fs.mkdirSync(dir, { recursive: true });
    // Large enough that decoding and thumbnailing take a noticeable moment per file.
    const w = 1600;
    const h = 1200;
    const grey = new Uint16Array(w * h);
    // Smooth rings plus hashed noise: looks like something in a thumbnail and does not compress to nothing.
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = y * w + x;
        const rings = 0.5 + 0.4 * Math.cos(Math.hypot(x - w / 2, y - h / 2) / 40);
        grey[i] = Math.min(65535, Math.round(rings * 60000 + (((i * 2654435761) >>> 0) % 4000)));
      }
    const template = path.join(dir, 'template.tif');
    await sharp(grey, { raw: { width: w, height: h, channels: 1 } }).toColourspace('grey16').tiff({ compression: 'lzw' }).toFile(template);
    for (let i = 0; i < FILES; i++) {
      const file = path.join(dir, `tile-${String(i).padStart(3, '0')}.tif`);
      fs.copyFileSync(template, file);
      files.push(file);
    }
    await app.open();
    await createSpecimen(app.page, { accessionId: 'CANCEL-1' });
    await app.page.getByRole('heading', { name: 'CANCEL-1' }).waitFor();
    await createSession(app.page, { title: 'Tiles', modality: 'Bright-field' });
  });

  afterAll(async () => {
    await app?.close();
  });

  it('shows progress, stops on Cancel and keeps only what was imported', async () => {
    const { page } = app;
    await importFiles(page, files);
    const panel = page.getByRole('region', { name: 'Import' });
    await panel.getByRole('status').filter({ hasText: /Importing \d+ of 40/ }).waitFor({ timeout: 60_000 });
    const bar = panel.getByRole('progressbar', { name: 'Import progress' });
    await expect(bar.getAttribute('aria-valuemax')).resolves.toBe(String(FILES));
    await app.screenshot('import-progress');
    await panel.getByRole('button', { name: 'Cancel' }).click();
    const outcome = await waitForImportEnd(page, 60_000);
    await app.screenshot('import-cancelled');
    expect(outcome).toMatch(/cancelled/i);
    const imported = Number(/(\d+) imported/.exec(outcome)?.[1]);
    expect(imported).toBeLessThan(FILES);
    await expect.poll(() => page.getByRole('list', { name: 'Captures' }).getByRole('listitem').count()).toBe(imported);
    await expect(page.getByRole('list', { name: 'Captures' }).getByText('1600×1200 · 16-bit · grey').count()).resolves.toBe(imported);
  });

  it('logged nothing unexpected', () => {
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });
});
