/**
 * Holography in Chromium: a simulated in-line hologram (16-bit PNG, made here with the shared optics) is imported
 * into a hologram session like any camera file; the Holography panel reconstructs it with autofocus, lists the
 * amplitude and phase results with their provenance, draws the focus curve and refocuses the field in a worker;
 * the result opens in the viewer with amplitude and phase side by side, locked, the phase with its colour bar.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { simulateHologram, simulateObject } from '../src/shared/optics';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { expectLocked, waitDrawn, waitStill } from './viewer-steps';

const NAME = 'holo-e2e-z300.png';
const SIZE = 128;
const OPTICS = { wavelengthNm: 532, pixelSizeUm: 1.12, refractiveIndex: 1 };
const Z_UM = 300;

async function writeHologram(file: string): Promise<void> {
  const object = simulateObject({ width: SIZE, height: SIZE, pixelSizeUm: OPTICS.pixelSizeUm, seed: 11, cellCount: 6, phaseRangeRad: [0.2, 1.5] });
  const intensity = simulateHologram(object.field, { ...OPTICS, zUm: Z_UM, noise: { seed: 11, photonsAtBackground: 5000, readNoiseSigma: 0.003 } });
  const counts = new Uint16Array(SIZE * SIZE);
  for (let i = 0; i < counts.length; i++) counts[i] = Math.max(0, Math.min(65535, Math.round(intensity[i] * 16000)));
  fs.mkdirSync(path.dirname(file), { recursive: true });
  await sharp(counts, { raw: { width: SIZE, height: SIZE, channels: 1 } }).toColourspace('grey16').png().toFile(file);
}

describe('holography: import, reconstruct, inspect', () => {
  let app: Lucida;

  beforeAll(async () => {
    app = await startLucida('holography');
    const file = path.join(`${app.libraryDir}-inputs`, NAME);
    await writeHologram(file);
    await app.open();
    await app.page.evaluate(
      async ({ file, pixelSizeUm }) => {
        const api = window.lucida!;
        const session = await api.sessions.create({ title: 'Holograms', date: '2026-11-27', modality: 'hologram', pixelSizeUm });
        if (!session.ok) throw new Error(session.error.message);
        const job = await api.captures.import({ sessionId: session.value.id, sources: [{ kind: 'path', path: file }] });
        if (!job.ok) throw new Error(job.error.message);
        for (let i = 0; i < 300; i++) {
          const list = await api.captures.list({ sessionId: session.value.id });
          if (list.ok && list.value.length === 1) return;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('The import did not finish.');
      },
      { file, pixelSizeUm: OPTICS.pixelSizeUm },
    );
  }, 60_000);

  afterAll(async () => {
    await app?.close();
  });

  it('reconstructs the imported hologram with autofocus and lists amplitude and phase with provenance and the focus curve', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Holography' }).click();
    await expect.poll(() => page.getByRole('combobox', { name: 'Hologram session' }).inputValue()).not.toBe('');
    await page.getByRole('list', { name: 'Holograms' }).getByRole('button', { name: NAME }).click();
    const form = page.getByRole('form', { name: 'Reconstruct' });
    await form.waitFor();
    await form.getByRole('radio', { name: /^Back-propagation/ }).check();
    await form.getByLabel('Wavelength (nm)').fill(String(OPTICS.wavelengthNm));
    await expect.poll(() => form.getByLabel('Pixel size (µm)').inputValue()).toBe(String(OPTICS.pixelSizeUm));
    await expect.poll(() => form.getByRole('checkbox', { name: 'Autofocus' }).isChecked()).toBe(true);
    await form.getByLabel('z from (µm)').fill('150');
    await form.getByLabel('z to (µm)').fill('450');
    await form.getByRole('button', { name: 'Reconstruct' }).click();

    const result = page.getByTestId('holo-result').first();
    await result.waitFor({ timeout: 60_000 });
    await expect.poll(() => page.getByTestId('holo-status').textContent(), { timeout: 60_000 }).toMatch(/Reconstructed at z = /);
    const text = (await result.textContent()) ?? '';
    expect(text).toMatch(/Back-propagation · z = \d+\.\d µm \(autofocus\)/);
    const z = Number(/z = (\d+\.\d) µm/.exec(text)![1]);
    expect(Math.abs(z - Z_UM)).toBeLessThanOrEqual(15);
    expect(text).toContain('Amplitude');
    expect(text).toContain('Phase');
    expect(text).toContain(`float32 ${SIZE}×${SIZE} (rad)`);
    expect(await result.getByTestId('holo-provenance').textContent()).toMatch(/angular-spectrum-back-propagation — physics, no network · lucida-optics .* · cpu \(TypeScript, worker thread\)/);

    const curve = result.getByTestId('focus-curve');
    await curve.waitFor();
    expect(Number(await curve.getAttribute('data-points'))).toBeGreaterThan(20);
    expect((await curve.locator('polyline').getAttribute('points'))!.split(' ').length).toBeGreaterThan(20);
    await app.screenshot('holography');
  }, 120_000);

  it('runs the holography network at the focused z and lists it beside back-propagation with the model’s provenance', async () => {
    const { page } = app;
    const form = page.getByRole('form', { name: 'Reconstruct' });
    const network = form.getByRole('radio', { name: /^Network/ });
    const models = await page.evaluate(async () => {
      const answer = await window.lucida!.models.list({});
      return answer.ok ? answer.value.map((m) => m.id) : [];
    });
    if (!models.includes('lucida-holo-phase')) {
      // Without the bundled network the method is offered as unavailable, with the reason.
      await expect.poll(() => network.isDisabled()).toBe(true);
      expect(await form.textContent()).toMatch(/holography network “lucida-holo-phase” is not installed/);
      return;
    }
    const focused = /z = (\d+\.\d) µm/.exec((await page.getByTestId('holo-result').first().textContent()) ?? '')![1];
    await network.check();
    await form.getByRole('checkbox', { name: 'Autofocus' }).uncheck();
    await form.getByLabel('Sample-to-sensor z (µm)').fill(focused);
    await form.getByLabel('Execution provider').selectOption('cpu');
    await form.getByRole('button', { name: 'Reconstruct' }).click();
    await expect.poll(() => page.getByTestId('holo-result').count(), { timeout: 90_000 }).toBe(2);
    const newest = page.getByTestId('holo-result').first();
    expect(await newest.getAttribute('data-method')).toBe('network');
    expect(await newest.textContent()).toContain(`Network · z = ${focused} µm`);
    expect(await newest.getByTestId('holo-provenance').textContent()).toMatch(/^lucida-holo-phase \S+ · weights [0-9a-f]{12}… · cpu · tile \d+ \+ halo \d+ · \d+\.\d\d s$/);
    expect(await page.getByRole('region', { name: 'Reconstructions' }).getByRole('heading').textContent()).toMatch(/Network vs Back-propagation/);
    await app.screenshot('holography-network');
  }, 120_000);

  it('refocuses the displayed field in a worker as the slider moves', async () => {
    const { page } = app;
    const result = page.getByTestId('holo-result').first();
    await result.getByRole('button', { name: 'Refocus…' }).click();
    const refocus = result.getByRole('region', { name: 'Refocus' });
    await expect.poll(() => refocus.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/Propagated in \d+ ms/);
    const slider = refocus.getByRole('slider', { name: 'Refocus distance' });
    await slider.fill('40');
    await expect.poll(() => refocus.textContent()).toMatch(/\+40 µm/);
    await expect.poll(() => refocus.getByRole('status').textContent(), { timeout: 30_000 }).toMatch(/Propagated in \d+ ms/);
    const drawn = await page.getByTestId('refocus-canvas').evaluate((c: HTMLCanvasElement) => {
      const data = c.getContext('2d')!.getImageData(0, 0, c.width, c.height).data;
      let lit = 0;
      for (let i = 0; i < data.length; i += 4) if (data[i] + data[i + 1] + data[i + 2] > 0) lit++;
      return { width: c.width, lit };
    });
    expect(drawn.width).toBe(SIZE);
    expect(drawn.lit).toBeGreaterThan(SIZE * SIZE * 0.5);
    await app.screenshot('holography-refocus');
  }, 60_000);

  it('opens the newest result in the viewer: amplitude and phase side by side, locked, the phase with its colour bar', async () => {
    const { page } = app;
    const newest = page.getByTestId('holo-result').first();
    const method = (await newest.getAttribute('data-method'))!;
    const text = (await newest.textContent()) ?? '';
    await newest.getByRole('button', { name: 'Open in viewer' }).first().click();
    await page.getByRole('heading', { name: NAME }).waitFor({ timeout: 30_000 });
    await page.getByRole('radio', { name: 'Side by side' }).check();

    // The newest reconstruction's two layers, chosen by the model that made them (network or physics).
    const layers = await page.evaluate(async () => {
      const api = window.lucida!;
      const sessions = await api.sessions.list({});
      if (!sessions.ok) throw new Error(sessions.error.message);
      const session = sessions.value.find((s) => s.modality === 'hologram')!;
      const captures = await api.captures.list({ sessionId: session.id });
      if (!captures.ok) throw new Error(captures.error.message);
      const results = await api.holography.results({ captureId: captures.value[0].id });
      if (!results.ok) throw new Error(results.error.message);
      const r = results.value[0];
      return { method: r.method, amplitude: `d${r.amplitude.id}`, phase: `d${r.phase.id}`, modelId: r.phase.provenance!.modelId };
    });
    expect(layers.method).toBe(method);
    const left = page.getByTestId('pane-0');
    const right = page.getByTestId('pane-1');
    await page.getByLabel('Image in pane 1').selectOption(layers.amplitude);
    await page.getByLabel('Image in pane 2').selectOption(layers.phase);
    await expect.poll(() => left.getAttribute('data-layers')).toBe(layers.amplitude);
    await expect.poll(() => right.getAttribute('data-layers')).toBe(layers.phase);
    expect(await page.getByLabel('Image in pane 1').locator('option:checked').textContent()).toBe(`Amplitude · ${layers.modelId}`);
    expect(await page.getByLabel('Image in pane 2').locator('option:checked').textContent()).toBe(`Phase · ${layers.modelId}`);
    // Side by side on screen: same row, amplitude left of phase.
    const a = (await left.boundingBox())!;
    const b = (await right.boundingBox())!;
    expect(b.x).toBeGreaterThanOrEqual(a.x + a.width - 1);
    expect(Math.abs(a.y - b.y)).toBeLessThan(2);
    // Both panes say which method made them (the model and version, or physics).
    for (const pane of [left, right]) expect(await pane.getByTestId('provenance-badge').first().textContent()).toContain(layers.modelId);

    // The phase pane carries the cyclic colour bar from −π to π rad; the amplitude pane has no phase bar.
    const bar = right.locator('[data-testid="color-bar"][data-colormap="cyclic"]');
    await bar.waitFor({ timeout: 15_000 });
    await expect(bar.textContent()).resolves.toMatch(/−π\s*0\s*π rad/);
    expect(await left.locator('[data-testid="color-bar"][data-colormap="cyclic"]').count()).toBe(0);

    await waitDrawn(page, 2);
    expectLocked(await waitStill(page));
    expect(text).toContain(method === 'network' ? 'Network' : 'Back-propagation');
    await app.screenshot('holography-viewer-amplitude-phase');
  }, 90_000);

  it('refuses a colour image as a hologram: the panel shows the sentence naming the file, and nothing is written', async () => {
    const { page } = app;
    const colourName = 'colour-hologram.png';
    const file = path.join(`${app.libraryDir}-inputs`, colourName);
    const rgb = Buffer.alloc(64 * 64 * 3);
    for (let i = 0; i < 64 * 64; i++) rgb.set([i % 256, (i * 7) % 256, (i * 13) % 256], i * 3);
    await sharp(rgb, { raw: { width: 64, height: 64, channels: 3 } }).png().toFile(file);
    const captureId = await page.evaluate(
      async ({ file, name }) => {
        const api = window.lucida!;
        const sessions = await api.sessions.list({});
        if (!sessions.ok) throw new Error(sessions.error.message);
        const session = sessions.value.find((s) => s.modality === 'hologram')!;
        const job = await api.captures.import({ sessionId: session.id, sources: [{ kind: 'path', path: file }] });
        if (!job.ok) throw new Error(job.error.message);
        for (let i = 0; i < 300; i++) {
          const list = await api.captures.list({ sessionId: session.id });
          const found = list.ok ? list.value.find((c) => c.originalName === name) : undefined;
          if (found) return found.id;
          await new Promise((r) => setTimeout(r, 100));
        }
        throw new Error('The import did not finish.');
      },
      { file, name: colourName },
    );
    await page.getByRole('tab', { name: 'Holography' }).click();
    await page.getByRole('list', { name: 'Holograms' }).getByRole('button', { name: colourName }).click();
    const form = page.getByRole('form', { name: 'Reconstruct' });
    await form.waitFor();
    const sentence = new RegExp(`The hologram colour-hologram\\.png \\(capture ${captureId}\\) is a colour image \\(3 channels\\); a hologram must be a mono sensor image`);
    // Every method is offered as unavailable, with the reason beside it.
    await expect.poll(() => form.textContent()).toMatch(sentence);
    for (const name of [/^Network/, /^Back-propagation/, /^Multi-height/]) expect(await form.getByRole('radio', { name }).isDisabled()).toBe(true);
    // Asking anyway is refused with the same sentence, shown as an alert; no job starts and nothing is written.
    await form.getByRole('button', { name: 'Reconstruct' }).click();
    await expect.poll(() => form.getByRole('alert').textContent()).toMatch(sentence);
    expect(await page.getByTestId('holo-status').textContent()).toBe('');
    const results = await page.evaluate(async (captureId) => {
      const answer = await window.lucida!.holography.results({ captureId });
      return answer.ok ? answer.value.length : -1;
    }, captureId);
    expect(results).toBe(0);
    expect(fs.existsSync(path.join(app.libraryDir, 'derived', `c${captureId}`))).toBe(false);
    await app.screenshot('holography-colour-refused');
    expect(unexpectedProblems(app.problems)).toEqual([]);
  }, 60_000);
});
