/**
 * Capture in Chromium: opening the Capture section starts the simulated microscope, the live view draws frames
 * (fps > 0, histogram and focus score shown), the stage answers the keyboard, and a snapshot lands in the
 * session's captures with its objective, pixel size, exposure, gain and stage position, at 16 bits.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Capture } from '../src/shared/contract';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { liveCanvasPixels } from './steps';

describe('capture: live view and snapshot', () => {
  let app: Lucida;
  let sessionId: number;

  beforeAll(async () => {
    app = await startLucida('capture');
    await app.open();
    sessionId = await app.page.evaluate(async () => {
      const session = await window.lucida!.sessions.create({ title: 'Live capture', date: '2026-11-27', modality: 'bright-field' });
      if (!session.ok) throw new Error(session.error.message);
      return session.value.id;
    });
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('shows live frames with their rate, histogram and focus score', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Capture' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Session' }).inputValue(), { timeout: 10_000 }).toBe(String(sessionId));
    await expect.poll(() => page.evaluate(() => window.__lucidaLive?.drawn ?? 0), { timeout: 20_000 }).toBeGreaterThan(10);
    await expect
      .poll(async () => Number.parseFloat((await page.getByTestId('live-fps').textContent()) ?? '0'), { timeout: 10_000 })
      .toBeGreaterThan(0);
    await expect.poll(() => page.getByRole('status', { name: 'Camera status' }).textContent()).toMatch(/Simulated microscope · running · 1280×720/);
    await expect.poll(() => page.getByLabel('Focus score').textContent()).toMatch(/Focus score \d/);
    await page.getByLabel('Clipping').waitFor();
    expect(await page.evaluate(() => window.__lucidaLive!.transport)).toBe('websocket');
    // The canvas holds the camera's frame size and is not blank.
    const pixels = await liveCanvasPixels(page);
    expect(pixels).toMatchObject({ width: 1280, height: 720 });
    expect(pixels.spread).toBeGreaterThan(40);
    await app.screenshot('capture-live');
  });

  it('moves the stage with the arrow keys and focuses with PageUp', async () => {
    const { page } = app;
    const readout = page.getByLabel('Stage position');
    const before = (await readout.textContent()) ?? '';
    await page.getByLabel('Live image', { exact: true }).focus();
    await page.keyboard.press('ArrowRight');
    await expect.poll(() => readout.textContent()).not.toBe(before);
    const afterX = (await readout.textContent()) ?? '';
    await page.keyboard.press('PageUp');
    await expect.poll(() => readout.textContent()).not.toBe(afterX);
    const z = (s: string) => Number(/z (-?[\d.]+) µm/.exec(s)![1]);
    expect(z((await readout.textContent()) ?? '') - z(afterX)).toBeCloseTo(1, 5);

    // Dragging the image 100 screen px to the right moves the stage left (the specimen follows the pointer).
    const x = (s: string) => Number(/x (-?[\d.]+) µm/.exec(s)![1]);
    const beforeDrag = x((await readout.textContent()) ?? '');
    const box = (await page.getByLabel('Live image', { exact: true }).boundingBox())!;
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.down();
    await page.mouse.move(box.x + box.width / 2 + 100, box.y + box.height / 2, { steps: 5 });
    await page.mouse.up();
    await expect.poll(async () => x((await readout.textContent()) ?? ''), { timeout: 10_000 }).toBeLessThan(beforeDrag - 20);
  });

  it('takes a short burst from the Acquire panel and shows its progress', async () => {
    const { page } = app;
    await page.getByRole('spinbutton', { name: 'Burst frames' }).fill('3');
    await page.getByRole('button', { name: 'Burst' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Acquisition progress' }).textContent(), { timeout: 30_000 }).toMatch(/Saved 3 of 3 frames/);
    const burst = await page.evaluate(async (id) => {
      const r = await window.lucida!.captures.list({ sessionId: id });
      return r.ok ? r.value.filter((c) => c.tags.includes('burst')).length : -1;
    }, sessionId);
    expect(burst).toBe(3);
  });

  it('takes a snapshot that appears in the session with its metadata', async () => {
    const { page } = app;
    await page.getByRole('combobox', { name: 'Objective', exact: true }).selectOption('40x');
    await page.getByRole('spinbutton', { name: 'Exposure (ms)' }).fill('25');
    await expect.poll(() => page.evaluate(async () => (await window.lucida!.capture.state({})).ok && (await window.lucida!.capture.state({})))).toMatchObject({
      value: { settings: { exposureMs: 25, objectiveId: '40x' } },
    });
    await page.getByRole('button', { name: 'Snapshot' }).click();
    await expect.poll(() => page.getByRole('status', { name: 'Last snapshot' }).textContent(), { timeout: 15_000 }).toMatch(/Saved snapshot-.*1280×720, 16-bit/);
    const list = page.getByRole('list', { name: 'Session captures list' });
    await expect.poll(() => list.getByRole('button').count(), { timeout: 10_000 }).toBe(4);
    await expect.poll(() => list.getByRole('button').first().textContent()).toMatch(/1280×720 · 16-bit · 40×\/0\.95 · 0\.1625 µm\/px · 25 ms · gain 1/);

    const captures = await page.evaluate(async (id) => {
      const r = await window.lucida!.captures.list({ sessionId: id });
      if (!r.ok) throw new Error(r.error.message);
      return r.value;
    }, sessionId);
    const snapshots = captures.filter((x) => x.tags.includes('snapshot'));
    expect(snapshots).toHaveLength(1);
    const c = snapshots[0] as Capture;
    expect(c).toMatchObject({ width: 1280, height: 720, bitDepth: 16, channels: 3, format: 'png' });
    expect(c.pixelSizeUm).toBeCloseTo(0.1625, 6);
    expect(c.metadata.capture).toMatchObject({ exposureMs: 25, gain: 1, objective: { magnification: 40, numericalAperture: 0.95 }, stage: { xUm: expect.any(Number), yUm: expect.any(Number), zUm: expect.any(Number) } });
    const thumb = await page.request.get(new URL(c.thumbUrl, app.host.url).toString());
    expect(thumb.ok()).toBe(true);
    await app.screenshot('capture-snapshot');

    // Leaving the section stops the camera; coming back starts it again.
    const status = () => page.evaluate(async () => {
      const r = await window.lucida!.capture.state({});
      return r.ok ? r.value.status : 'error';
    });
    await page.getByRole('tab', { name: 'Catalog' }).click();
    await expect.poll(status, { timeout: 10_000 }).toBe('stopped');
    await page.getByRole('tab', { name: 'Capture' }).click();
    await expect.poll(status, { timeout: 10_000 }).toBe('running');
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });

  it('enhances the centre of the live view beside the raw image, with the model and provider shown', async () => {
    const { page } = app;
    await page.getByRole('combobox', { name: 'Objective', exact: true }).selectOption('40x');
    await page.getByRole('combobox', { name: 'Live model' }).selectOption('lucida-bf-sr2');
    await page.getByRole('combobox', { name: 'Live region' }).selectOption('128');
    // The CPU provider: on a machine without a GPU, WebGPU runs in software and is far slower.
    await page.getByRole('combobox', { name: 'Live provider' }).selectOption('cpu');
    // A controlled checkbox that follows the host's answer: click, then wait for it.
    await page.getByRole('checkbox', { name: 'Enhance the live view' }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Enhance the live view' }).isChecked()).toBe(true);
    const caption = page.getByLabel('Enhancement provenance');
    await expect.poll(() => caption.textContent().catch(() => ''), { timeout: 60_000 }).toMatch(/lucida-bf-sr2 1\.0\.0 · cpu · ×2 of the centre 128×128 px/);
    const enhanced = await page.evaluate(() => {
      const c = document.querySelector('canvas[aria-label="Enhanced live region"]') as HTMLCanvasElement;
      return { width: c.width, height: c.height };
    });
    expect(enhanced).toEqual({ width: 256, height: 256 });
    // The raw view keeps drawing while the network runs.
    const drawn = await page.evaluate(() => window.__lucidaLive!.drawn);
    await expect.poll(() => page.evaluate(() => window.__lucidaLive!.drawn), { timeout: 10_000 }).toBeGreaterThan(drawn + 5);
    await app.screenshot('capture-enhance');
    await page.getByRole('checkbox', { name: 'Enhance the live view' }).click();
    await expect.poll(() => page.getByRole('checkbox', { name: 'Enhance the live view' }).isChecked()).toBe(false);
    expect(unexpectedProblems(app.problems)).toEqual([]);
  }, 120_000);
});
