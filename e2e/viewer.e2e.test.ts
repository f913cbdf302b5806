/**
 * The viewer's lock in Chromium: a raw capture (0.5 µm/px) and its bicubic ×2 (0.25 µm/px) side by side; zooming
 * and panning either pane keeps the other on the same micrometre position (within 0.5 % of the field of view),
 * in the middle of the gesture and after it, and the panes come to rest (no ping-pong). The scale bar shows a
 * round length that matches the scale.
 */
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import sharp from 'sharp';
import { formatLengthUm, niceScaleBar } from '../src/shared/viewport';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { centers, expectLocked, importCaptures, makeSpecimenPng, openBySearch, paneCenter, waitDrawn, waitStill, zoomAndPan } from './viewer-steps';

const NAME = 'lock-specimen.png';
const SECOND = 'lock-specimen-2.png';
const W = 1200;
const H = 900;
const PIXEL_UM = 0.5;

describe('viewer: panes locked in micrometres', () => {
  let app: Lucida;

  beforeAll(async () => {
    app = await startLucida('viewer');
    const file = path.join(`${app.libraryDir}-inputs`, NAME);
    const second = path.join(`${app.libraryDir}-inputs`, SECOND);
    await makeSpecimenPng(file, W, H);
    await makeSpecimenPng(second, 300, 200);
    await app.open();
    await importCaptures(app.page, [file, second], PIXEL_UM);
  });

  afterAll(async () => {
    await app?.close();
  });

  it('opens a capture from search and makes its bicubic ×2 to compare with', async () => {
    const { page } = app;
    await openBySearch(page, NAME);
    await page.getByTestId('pane-0').waitFor();
    await page.getByRole('button', { name: 'Bicubic ×2' }).first().click();
    await page.getByTestId('pane-1').waitFor();
    await expect.poll(() => page.getByTestId('pane-1').getAttribute('data-layers')).toMatch(/^d\d+$/);
    await page.getByTestId('pane-1').getByText('Bicubic ×2 of raw — not a network output').waitFor();
    await page.getByTestId('pane-0').getByTestId('provenance-badge').filter({ hasText: 'Raw capture' }).waitFor();
    await waitDrawn(page, 2);
    const [a, b] = await waitStill(page);
    // Both panes show the whole 600 µm wide specimen at home, at the same µm per screen pixel.
    expectLocked([a, b]);
    expect(a!.xUm).toBeCloseTo((W * PIXEL_UM) / 2, 0);
  });

  it('follows the left pane when it is zoomed and panned, mid-gesture and at rest', async () => {
    const { page } = app;
    const before = (await centers(page))[0]!;
    await zoomAndPan(page, 0, 4, { dx: 120, dy: 60 });
    // Mid-animation: the follower is moved in the leader's frame, so they agree even now.
    expectLocked(await centers(page));
    const rest = await waitStill(page);
    expectLocked(rest);
    expect(rest[0]!.umPerScreenPx).toBeLessThan(before.umPerScreenPx / 2);
    await expect(page.evaluate(() => window.__lucidaViewer?.leader())).resolves.toBe(0);
    await app.screenshot('viewer-side-by-side');
  });

  it('follows the right pane the same way (one leader at a time)', async () => {
    const { page } = app;
    const before = (await centers(page))[1]!;
    await zoomAndPan(page, 1, -2, { dx: -150, dy: -40 });
    expectLocked(await centers(page));
    const rest = await waitStill(page);
    expectLocked(rest);
    expect(rest[1]!.umPerScreenPx).toBeGreaterThan(before.umPerScreenPx);
    await expect(page.evaluate(() => window.__lucidaViewer?.leader())).resolves.toBe(1);
  });

  it('puts the same specimen point under the same screen point in both panes', async () => {
    const { page } = app;
    const [a] = await waitStill(page);
    for (const [dx, dy] of [[0, 0], [0.3, -0.2], [-0.4, 0.35]]) {
      const xUm = a!.xUm + dx * a!.fovUm;
      const yUm = a!.yUm + dy * a!.fovUm;
      const [p, q] = await page.evaluate(([x, y]) => window.__lucidaViewer!.screenPointsOf(x, y), [xUm, yUm]);
      expect(Math.abs(p!.x - q!.x)).toBeLessThan(1);
      expect(Math.abs(p!.y - q!.y)).toBeLessThan(1);
    }
  });

  it('does not oscillate after the gesture: the view stays put', async () => {
    const { page } = app;
    const first = await waitStill(page);
    await page.waitForTimeout(600);
    const later = await centers(page);
    expect(later).toEqual(first);
  });

  it('shows a round scale-bar length that matches the scale', async () => {
    const { page } = app;
    const [view] = await centers(page);
    const bar = page.getByTestId('scale-bar-0');
    const expected = niceScaleBar(view!.umPerScreenPx, 160);
    await expect.poll(() => bar.textContent()).toBe(expected.label);
    expect(Number(await bar.getAttribute('data-length-um'))).toBe(expected.lengthUm);
    expect(Number(await bar.getAttribute('data-length-px'))).toBeCloseTo(expected.lengthPx, 1);
    // Home on the 600 µm wide capture: the bar is a round number of micrometres.
    await page.keyboard.press('0');
    const [home] = await waitStill(page);
    const atHome = niceScaleBar(home!.umPerScreenPx, 160);
    await expect.poll(() => bar.textContent()).toBe(atHome.label);
    expect(atHome.label).toMatch(/^(1|2|5)0* µm$/);
  });

  it('unlocks with L and locks again', async () => {
    const { page } = app;
    await page.keyboard.press('l');
    await page.getByRole('button', { name: 'Unlocked' }).waitFor();
    await zoomAndPan(page, 0, 2, { dx: 80, dy: 0 });
    const apart = await waitStill(page);
    expect(Math.abs(apart[0]!.umPerScreenPx - apart[1]!.umPerScreenPx) / apart[0]!.umPerScreenPx).toBeGreaterThan(0.05);
    await page.keyboard.press('l');
    await page.getByRole('button', { name: 'Locked', exact: true }).waitFor();
    expectLocked(await waitStill(page));
  });

  it('reads out true values and the position in µm under the cursor', async () => {
    const { page } = app;
    const c = await paneCenter(page, 0);
    await page.mouse.move(c.x + 3, c.y + 3);
    const readout = page.getByTestId('readout-0');
    await expect.poll(() => readout.textContent(), { timeout: 10_000 }).toMatch(/^x [\d.]+ µm, y [\d.]+ µm · px \(\d+, \d+\) · \d+ counts$/);
    // The value is the raw file's, at the pixel shown.
    const text = (await readout.textContent())!;
    const [, xPx, yPx] = /px \((\d+), (\d+)\)/.exec(text)!.map(Number);
    const direct = await page.evaluate(([x, y]) => window.lucida!.viewer.pixel({ captureId: window.__lucidaViewer!.captureId, xPx: x, yPx: y }), [xPx, yPx]);
    expect(direct.ok && text.endsWith(`· ${direct.value.values[0]} counts`)).toBe(true);
  });

  it('measures with the ruler in µm', async () => {
    const { page } = app;
    const [view] = await waitStill(page);
    const c = await paneCenter(page, 1);
    await page.getByRole('radio', { name: 'Ruler' }).click();
    await page.mouse.move(c.x - 100, c.y);
    await page.mouse.down();
    await page.mouse.move(c.x + 100, c.y, { steps: 4 });
    await page.mouse.up();
    const expected = formatLengthUm(200 * view!.umPerScreenPx);
    // The ruler lives in µm, so both panes draw it with the same length.
    for (const pane of [0, 1]) await expect.poll(() => page.getByTestId(`overlay-${pane}`).getByTestId('ruler-length').textContent()).toBe(expected);
    await page.keyboard.press('Escape');
    await page.getByRole('radio', { name: 'Pan', checked: true }).waitFor();
  });

  it('switches the active pane to raw with R and back, and shows the help with ?', async () => {
    const { page } = app;
    const pane = page.getByTestId('pane-1');
    const before = await pane.getAttribute('data-layers');
    const c = await paneCenter(page, 1);
    await page.mouse.click(c.x, c.y);
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('pane-1').getAttribute('data-layers')).toBe('raw');
    await page.keyboard.press('r');
    await expect.poll(() => page.getByTestId('pane-1').getAttribute('data-layers')).toBe(before);
    await page.keyboard.press('?');
    await page.getByRole('dialog', { name: 'Viewer shortcuts' }).waitFor();
    await page.keyboard.press('Escape');
    await page.getByRole('dialog', { name: 'Viewer shortcuts' }).waitFor({ state: 'detached' });
  });

  it('applies a colour map per pane (window/level form) and shows its colour bar', async () => {
    const { page } = app;
    const pane = page.getByTestId('pane-0');
    await pane.getByRole('button', { name: 'W/L' }).click();
    await pane.getByLabel('Window minimum').fill('50');
    await pane.getByLabel('Window maximum').fill('200');
    await pane.getByLabel('Colour map').selectOption('cyclic');
    await pane.getByRole('button', { name: 'Apply' }).click();
    const bar = pane.locator('[data-testid="color-bar"][data-colormap="cyclic"]');
    await bar.waitFor({ timeout: 15_000 });
    await expect(bar.textContent()).resolves.toMatch(/^50\s*125\s*200 counts$/);
    await pane.getByRole('button', { name: 'Reset' }).click();
    await bar.waitFor({ state: 'detached' });
    await pane.getByRole('button', { name: 'W/L' }).click();
  });

  it('exports the view as a PNG with its scale bar', async () => {
    const { page } = app;
    const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Export PNG' }).click()]);
    expect(download.suggestedFilename()).toBe('lock-specimen-view.png');
    const file = await download.path();
    const meta = await sharp(file).metadata();
    const boxes = await Promise.all([0, 1].map((i) => page.getByTestId(`pane-${i}`).locator('.vpane-stage').boundingBox()));
    expect(meta.format).toBe('png');
    expect(meta.width).toBe(Math.round(boxes[0]!.width) + Math.round(boxes[1]!.width) + 8);
  });

  it('goes to the next and previous capture of the session with N and P', async () => {
    const { page } = app;
    await page.keyboard.press('n');
    await page.getByRole('heading', { name: SECOND }).waitFor();
    await waitDrawn(page, 1);
    await page.keyboard.press('p');
    await page.getByRole('heading', { name: NAME }).waitFor();
    await waitDrawn(page, 2);
  });

  it('logged no errors', () => {
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });
});
