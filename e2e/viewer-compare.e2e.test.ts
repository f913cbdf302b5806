/**
 * The viewer's compare modes and instruments in Chromium: curtain, blink, difference map (diverging), a phase
 * image with its cyclic colour bar in radians, and annotations that are stored in the catalog, drawn in every pane
 * and still there after a reload (with the last view of the capture restored).
 *
 * The enhanced and phase results are written the way the inference engine records them: a file under derived/,
 * then its catalog row with provenance.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openCatalog, insertDerivative } from '../src/main/services/catalog';
import { float32TiffHeader } from '../src/main/services/viewer/float-tiff';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { expectLocked, importCaptures, makeSpecimenPng, openBySearch, paneCenter, waitDrawn, waitStill } from './viewer-steps';

const NAME = 'compare-specimen.png';
const W = 800;
const H = 600;
const PIXEL_UM = 0.5;
const PROVENANCE = { modelId: 'bf-sr2', modelVersion: '1.2.0', weightsSha256: 'c'.repeat(64), executionProvider: 'cuda', tileSize: 256, tileHalo: 16, durationMs: 840 };

/** Writes an "enhanced" 2× result (brighter than the raw, so the curtain's sides differ) and a phase map, and records both. */
async function recordResults(libraryDir: string, captureId: number, rawFile: string): Promise<void> {
  const dir = path.join(libraryDir, 'derived', `e2e-c${captureId}`);
  fs.mkdirSync(dir, { recursive: true });
  await sharp(rawFile).resize(2 * W, 2 * H, { kernel: 'lanczos3' }).linear(0.6, 100).toColourspace('b-w').png().toFile(path.join(dir, 'enhanced.png'));
  const phase = new Float32Array(W * H);
  for (let y = 0; y < H; y++) for (let x = 0; x < W; x++) phase[y * W + x] = Math.atan2(Math.sin((x + y) / 40), Math.cos((x - y) / 60));
  fs.writeFileSync(path.join(dir, 'phase.tif'), Buffer.concat([float32TiffHeader(W, H), Buffer.from(phase.buffer)]));
  const db = openCatalog(path.join(libraryDir, 'catalog.sqlite'));
  try {
    insertDerivative(db, { captureId, kind: 'enhanced', file: `derived/e2e-c${captureId}/enhanced.png`, width: 2 * W, height: 2 * H, dtype: 'uint8', channels: 1, pixelSizeUm: PIXEL_UM / 2, provenance: PROVENANCE });
    insertDerivative(db, { captureId, kind: 'phase', file: `derived/e2e-c${captureId}/phase.tif`, width: W, height: H, dtype: 'float32', channels: 1, pixelSizeUm: PIXEL_UM, provenance: { ...PROVENANCE, modelId: 'holo-phase' } });
  } finally {
    db.close();
  }
}

/** Mean grey level of a small screen region (to tell the raw side of the curtain from the brighter enhanced side). */
async function meanAt(app: Lucida, x: number, y: number): Promise<number> {
  const png = await app.page.screenshot({ clip: { x: x - 10, y: y - 10, width: 20, height: 20 } });
  const { data } = await sharp(png).greyscale().raw().toBuffer({ resolveWithObject: true });
  return data.reduce((s, v) => s + v, 0) / data.length;
}

describe('viewer: compare modes, colour bars and annotations', () => {
  let app: Lucida;
  let captureId: number;

  beforeAll(async () => {
    app = await startLucida('viewer-compare');
    const file = path.join(`${app.libraryDir}-inputs`, NAME);
    await makeSpecimenPng(file, W, H);
    await app.open();
    [captureId] = await importCaptures(app.page, [file], PIXEL_UM, 'Compare session');
    await recordResults(app.libraryDir, captureId, file);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens raw and enhanced side by side with the model named on the enhanced pane', async () => {
    const { page } = app;
    await openBySearch(page, NAME);
    await page.getByTestId('pane-1').getByTestId('provenance-badge').filter({ hasText: 'Enhanced by bf-sr2 v1.2.0 · cuda' }).waitFor();
    await waitDrawn(page, 2);
    expectLocked(await waitStill(page));
  });

  it('curtain: raw left of the divider, enhanced right of it, and the divider drags', async () => {
    const { page } = app;
    await page.getByRole('radio', { name: 'Curtain' }).click();
    const pane = page.getByTestId('pane-0');
    await expect.poll(() => pane.getAttribute('data-layers')).toMatch(/^raw,d\d+$/);
    await waitDrawn(page, 1);
    await waitStill(page);
    const c = await paneCenter(page, 0);
    const handle = page.getByTestId('curtain-handle');
    const probeX = c.x - c.width * 0.1;
    const drag = async (fraction: number) => {
      const box = (await handle.boundingBox())!;
      await page.mouse.move(box.x + box.width / 2, c.y);
      await page.mouse.down();
      await page.mouse.move(c.x - c.width / 2 + fraction * c.width, c.y, { steps: 5 });
      await page.mouse.up();
      await expect.poll(async () => Number(await handle.getAttribute('aria-valuenow'))).toBeCloseTo(fraction * 100, -1);
      await page.waitForTimeout(300);
    };
    await drag(0.25); // probe is right of the divider: enhanced (brighter)
    const enhancedSide = await meanAt(app, probeX, c.y);
    await drag(0.75); // probe is now left of it: raw
    const rawSide = await meanAt(app, probeX, c.y);
    expect(enhancedSide - rawSide).toBeGreaterThan(25);
    await drag(0.5);
    await app.screenshot('viewer-curtain');
  });

  it('blink: alternates raw and enhanced about once a second, and B steps it', async () => {
    const { page } = app;
    await page.getByRole('radio', { name: 'Blink' }).click();
    const pane = page.getByTestId('pane-0');
    const seen = new Set<string>();
    const started = Date.now();
    while (seen.size < 2 && Date.now() - started < 5_000) {
      seen.add((await pane.getAttribute('data-blink-shown')) ?? '');
      await page.waitForTimeout(150);
    }
    expect(seen.size).toBe(2);
    expect([...seen].some((k) => k === 'raw')).toBe(true);
    await page.locator('body').click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('b');
    await page.getByRole('button', { name: 'Play blink' }).waitFor();
    const shown = await pane.getAttribute('data-blink-shown');
    await page.keyboard.press('b');
    await expect.poll(() => pane.getAttribute('data-blink-shown')).not.toBe(shown);
  });

  it('difference: makes the map of enhanced − bicubic ×2 and shows it with the diverging colour bar', async () => {
    const { page } = app;
    await page.getByRole('radio', { name: 'Difference' }).click();
    await page.getByRole('note').getByRole('button', { name: 'Make difference map' }).click();
    const diffPane = page.getByTestId('pane-1');
    await diffPane.waitFor({ timeout: 30_000 });
    await diffPane.getByTestId('provenance-badge').filter({ hasText: 'Difference: enhanced (bf-sr2 v1.2.0 · cuda) − bicubic ×2 of raw' }).waitFor();
    await diffPane.locator('[data-testid="color-bar"][data-colormap="diverging"]').waitFor({ timeout: 15_000 });
    await waitDrawn(page, 2);
    const still = await waitStill(page);
    await app.screenshot('viewer-difference');
    expectLocked(still);
  });

  it('phase: cyclic colour map with a colour bar from −π to π rad', async () => {
    const { page } = app;
    await page.getByRole('radio', { name: 'Side by side' }).click();
    await page.getByLabel('Image in pane 2').selectOption({ label: 'Phase · holo-phase' });
    const pane = page.getByTestId('pane-1');
    await pane.getByTestId('provenance-badge').filter({ hasText: 'Phase by holo-phase v1.2.0 · cuda' }).waitFor();
    const bar = pane.locator('[data-testid="color-bar"][data-colormap="cyclic"]');
    await bar.waitFor({ timeout: 15_000 });
    await expect(bar.textContent()).resolves.toMatch(/−π\s*0\s*π rad/);
    await waitDrawn(page, 2);
    expectLocked(await waitStill(page));
    await app.screenshot('viewer-phase');
    // The readout gives the stored float32 phase in radians, not the colour's 8-bit index.
    const c = await paneCenter(page, 1);
    await page.mouse.move(c.x + 5, c.y + 5);
    await expect.poll(() => page.getByTestId('readout-1').textContent(), { timeout: 10_000 }).toMatch(/· -?\d\.\d{3} rad$/);
    const text = (await page.getByTestId('readout-1').textContent())!;
    const [, xPx, yPx] = /px \((\d+), (\d+)\)/.exec(text)!.map(Number);
    const value = Number(/· (-?[\d.]+) rad$/.exec(text)![1]);
    expect(value).toBeCloseTo(Math.atan2(Math.sin((xPx + yPx) / 40), Math.cos((xPx - yPx) / 60)), 3);
  });

  it('annotations: drawn in one pane, shown in every pane, kept in the catalog', async () => {
    const { page } = app;
    const c = await paneCenter(page, 0);
    await page.getByRole('radio', { name: 'Rectangle' }).click();
    await page.mouse.move(c.x - 60, c.y - 40);
    await page.mouse.down();
    await page.mouse.move(c.x + 40, c.y + 30, { steps: 4 });
    await page.mouse.up();
    await page.getByRole('radio', { name: 'Point' }).click();
    await page.mouse.click(c.x + 80, c.y - 60);
    await page.getByRole('radio', { name: 'Polygon' }).click();
    for (const [dx, dy] of [[-100, 60], [-40, 90], [-120, 110]]) await page.mouse.click(c.x + dx, c.y + dy);
    await page.keyboard.press('Enter');
    await page.getByRole('radio', { name: 'Text' }).click();
    await page.mouse.click(c.x - 90, c.y - 90);
    await page.getByLabel('Annotation text').fill('Nucleolus?');
    await page.getByRole('button', { name: 'Add', exact: true }).click();
    await page.keyboard.press('Escape');
    const list = page.getByRole('list', { name: 'Annotations' });
    await expect.poll(() => list.getByRole('listitem').count()).toBe(4);
    for (const pane of [0, 1]) await expect.poll(() => page.getByTestId(`overlay-${pane}`).locator('[data-annotation]').count()).toBe(4);
    await page.getByTestId('overlay-1').getByText('Nucleolus?').waitFor();
  });

  it('exports the view with the annotations burnt in, and zooms with the wheel while a drawing tool is active', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
    const { data, info } = await sharp(await download.path()).removeAlpha().raw().toBuffer({ resolveWithObject: true });
    let yellow = 0;
    for (let i = 0; i < data.length; i += info.channels) if (data[i] > 200 && data[i + 1] > 170 && data[i + 2] < 80) yellow++;
    expect(yellow).toBeGreaterThan(100);

    const before = await waitStill(page);
    await page.getByRole('radio', { name: 'Point' }).click();
    const c = await paneCenter(page, 1);
    await page.mouse.move(c.x, c.y);
    await page.mouse.wheel(0, -240);
    const after = await waitStill(page);
    expect(after[0]!.umPerScreenPx).toBeLessThan(before[0]!.umPerScreenPx);
    expectLocked(after);
    await page.keyboard.press('Escape');
  });

  it('keeps the annotations and the last view of the capture after a reload', async () => {
    const { page } = app;
    const before = await waitStill(page);
    await page.waitForTimeout(600); // the view is saved 400 ms after it settles
    await page.reload();
    await page.getByTestId('host-info').waitFor();
    await openBySearch(page, NAME);
    await waitDrawn(page, 2);
    const after = await waitStill(page);
    expect(Math.abs(after[0]!.xUm - before[0]!.xUm) / before[0]!.fovUm).toBeLessThan(0.005);
    expect(Math.abs(after[0]!.umPerScreenPx - before[0]!.umPerScreenPx) / before[0]!.umPerScreenPx).toBeLessThan(0.005);
    await expect.poll(() => page.getByRole('list', { name: 'Annotations' }).getByRole('listitem').count()).toBe(4);
    await expect.poll(() => page.getByTestId('overlay-0').locator('[data-annotation]').count()).toBe(4);
    const stored = await page.evaluate(async (id) => {
      const r = await window.lucida!.annotations.list({ captureId: id });
      return r.ok ? r.value.map((a) => a.geometry.kind).sort() : [];
    }, captureId);
    expect(stored).toEqual(['point', 'polygon', 'rectangle', 'text']);
    await page.getByRole('button', { name: /^Delete point annotation/ }).click();
    await expect.poll(() => page.getByTestId('overlay-1').locator('[data-annotation]').count()).toBe(3);
    await page.getByRole('button', { name: /^Edit text of rectangle annotation/ }).click();
    await page.getByLabel(/^Text of rectangle annotation/).fill('Mitosis');
    await page.getByRole('button', { name: 'Save', exact: true }).click();
    for (const pane of [0, 1]) await page.getByTestId(`overlay-${pane}`).locator('text.ann-label', { hasText: 'Mitosis' }).waitFor();
  });

  it('shows up to four locked panes, any layer in any pane', async () => {
    const { page } = app;
    await page.getByRole('button', { name: '+ pane' }).click();
    await page.getByRole('button', { name: '+ pane' }).click();
    await page.getByTestId('pane-3').waitFor();
    await expect(page.getByRole('button', { name: '+ pane' }).isDisabled()).resolves.toBe(true);
    await page.getByTestId('pane-2').click();
    await page.getByRole('button', { name: /^Show Phase · holo-phase in the active pane/ }).click();
    await expect.poll(() => page.getByTestId('pane-2').getAttribute('data-layers')).toMatch(/^d\d+$/);
    await waitDrawn(page, 4);
    const views = await waitStill(page);
    expectLocked(views);
    expectLocked([views[0], views[3]]);
    expectLocked([views[0], views[2]]);
    await app.screenshot('viewer-four-panes');
  });

  it('logged no errors', () => {
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });
});

