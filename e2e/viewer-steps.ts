/** Viewer steps shared by the viewer specs: a capture with a known pixel size, opened the way a person opens it. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';
import { expect } from 'vitest';

export interface CenterUm {
  pane: number;
  xUm: number;
  yUm: number;
  umPerScreenPx: number;
  fovUm: number;
}

/** A grey 8-bit specimen-like image: rings and a grid, so misregistration between panes would be visible. */
export async function makeSpecimenPng(file: string, widthPx: number, heightPx: number): Promise<void> {
  fs.mkdirSync(path.dirname(file), { recursive: true });
  const data = Buffer.alloc(widthPx * heightPx);
  for (let y = 0; y < heightPx; y++)
    for (let x = 0; x < widthPx; x++) {
      const r = Math.hypot(x - widthPx / 2, y - heightPx / 2);
      const grid = x % 100 < 3 || y % 100 < 3 ? 60 : 0;
      data[y * widthPx + x] = Math.max(0, Math.min(255, Math.round(110 + 70 * Math.cos(r / 9) + (x * 40) / widthPx - grid)));
    }
  await sharp(data, { raw: { width: widthPx, height: heightPx, channels: 1 } }).toColourspace('b-w').png({ compressionLevel: 1 }).toFile(file);
}

/** Creates a session (with a pixel size) and imports files by path through the page's own API; returns capture ids. */
export async function importCaptures(page: Page, files: string[], pixelSizeUm: number, title = 'Viewer session'): Promise<number[]> {
  return page.evaluate(
    async ({ files, pixelSizeUm, title }) => {
      const api = window.lucida!;
      const session = await api.sessions.create({ title, date: '2026-11-27', modality: 'bright-field', pixelSizeUm });
      if (!session.ok) throw new Error(session.error.message);
      const job = await api.captures.import({ sessionId: session.value.id, sources: files.map((path) => ({ kind: 'path' as const, path })) });
      if (!job.ok) throw new Error(job.error.message);
      for (let i = 0; i < 300; i++) {
        const list = await api.captures.list({ sessionId: session.value.id });
        if (list.ok && list.value.length === files.length) return list.value.map((c) => c.id);
        await new Promise((r) => setTimeout(r, 100));
      }
      throw new Error('The import did not finish.');
    },
    { files, pixelSizeUm, title },
  );
}

/** Opens a capture by searching its file name, as a reviewer would. */
export async function openBySearch(page: Page, name: string): Promise<void> {
  const search = page.getByRole('searchbox', { name: 'Search catalog' });
  await search.fill(name.replace(/\.[^.]+$/, ''));
  const hit = page.getByRole('list', { name: 'Search results' }).getByRole('button', { name: new RegExp(`Capture\\s*${name.replace('.', '\\.')}`) });
  await hit.click();
  await page.getByRole('heading', { name }).waitFor();
}

export async function centers(page: Page): Promise<Array<CenterUm | null>> {
  return page.evaluate(() => window.__lucidaViewer?.centersUm() ?? []);
}

/** Waits until every pane has drawn tiles. */
export async function waitDrawn(page: Page, panes: number, timeout = 30_000): Promise<void> {
  await expect
    .poll(() => page.evaluate(() => window.__lucidaViewer?.drawn() ?? []), { timeout, interval: 100 })
    .toEqual(Array(panes).fill(true));
}

/** Waits until the panes stop moving: two reads 250 ms apart give the same centres. */
export async function waitStill(page: Page, timeout = 10_000): Promise<Array<CenterUm | null>> {
  const started = Date.now();
  let last = JSON.stringify(await centers(page));
  for (;;) {
    await page.waitForTimeout(250);
    const now = await centers(page);
    const text = JSON.stringify(now);
    if (text === last) return now;
    last = text;
    if (Date.now() - started > timeout) throw new Error(`The panes kept moving for ${timeout} ms: ${text}`);
  }
}

/** The left and right pane agree on the µm position of their centres within `tolerance` of the field of view. */
export function expectLocked(views: Array<CenterUm | null>, tolerance = 0.005): void {
  expect(views.length).toBeGreaterThanOrEqual(2);
  const [a, b] = views as CenterUm[];
  expect(a && b, 'both panes report a view').toBeTruthy();
  const fov = Math.max(a.fovUm, b.fovUm);
  expect(Math.abs(a.xUm - b.xUm) / fov).toBeLessThanOrEqual(tolerance);
  expect(Math.abs(a.yUm - b.yUm) / fov).toBeLessThanOrEqual(tolerance);
  expect(Math.abs(a.umPerScreenPx - b.umPerScreenPx) / a.umPerScreenPx).toBeLessThanOrEqual(tolerance);
}

/** Centre of a pane's image area in page pixels. */
export async function paneCenter(page: Page, index: number): Promise<{ x: number; y: number; width: number; height: number }> {
  const box = await page.getByTestId(`pane-${index}`).locator('.vpane-stage').boundingBox();
  if (!box) throw new Error(`Pane ${index} is not on screen.`);
  return { x: box.x + box.width / 2, y: box.y + box.height / 2, width: box.width, height: box.height };
}

/** A wheel zoom then a drag, on one pane. */
export async function zoomAndPan(page: Page, index: number, wheelSteps: number, drag: { dx: number; dy: number }): Promise<void> {
  const c = await paneCenter(page, index);
  await page.mouse.move(c.x - c.width * 0.15, c.y - c.height * 0.1);
  for (let i = 0; i < Math.abs(wheelSteps); i++) {
    await page.mouse.wheel(0, wheelSteps > 0 ? -120 : 120);
    await page.waitForTimeout(60);
  }
  await page.mouse.move(c.x, c.y);
  await page.mouse.down();
  for (let i = 1; i <= 8; i++) await page.mouse.move(c.x + (drag.dx * i) / 8, c.y + (drag.dy * i) / 8);
  await page.mouse.up();
}
