/**
 * Enhancement in Chromium against the browser host and its real inference host (onnxruntime-node, CPU provider):
 * a 96×96 RGB bright-field capture is enhanced from the viewer's side panel; the 2× float32 result appears as a
 * derived result with its provenance badge (model lucida-bf-sr2, provider cpu) and opens side by side with the
 * raw capture. The Models section's GPU check lists the execution providers with parity.
 */
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { importCaptures, openBySearch } from './viewer-steps';

const NAME = 'enhance-bf.png';

describe('enhance', () => {
  let app: Lucida;

  beforeAll(async () => {
    app = await startLucida('enhance');
    const file = path.join(`${app.libraryDir}-inputs`, NAME);
    const data = Buffer.alloc(96 * 96 * 3);
    for (let i = 0; i < data.length; i++) data[i] = (Math.sin(i / 41) * 90 + 140 + (i % 3) * 10) & 0xff;
    await (await import('node:fs/promises')).mkdir(path.dirname(file), { recursive: true });
    await sharp(data, { raw: { width: 96, height: 96, channels: 3 } }).png().toFile(file);
    await app.open();
    await importCaptures(app.page, [file], 0.5, 'Enhance session');
  });

  afterAll(async () => {
    await app?.close();
  });

  it('enhances a bright-field capture on the CPU and opens the result beside the raw with its provenance', async () => {
    const { page } = app;
    await openBySearch(page, NAME);
    const side = page.getByRole('complementary', { name: 'Capture details' });
    await side.getByLabel('Execution provider').selectOption('cpu');
    await side.getByRole('button', { name: 'Enhance', exact: true }).click();
    await side.getByRole('status').filter({ hasText: /Enhanced with lucida-bf-sr2 on cpu/ }).waitFor({ timeout: 90_000 });
    await side.getByText('Enhanced · lucida-bf-sr2').waitFor();
    await page.getByTestId('pane-1').waitFor();
    await expect.poll(() => page.getByTestId('pane-1').getAttribute('data-layers'), { timeout: 15_000 }).toMatch(/^d\d+$/);
    await page.getByTestId('pane-1').getByTestId('provenance-badge').filter({ hasText: /Enhanced by lucida-bf-sr2 v1\.0\.0 · cpu/ }).waitFor();
    await page.getByTestId('pane-0').getByTestId('provenance-badge').filter({ hasText: 'Raw capture' }).waitFor();
    const layers = await page.evaluate(async () => {
      const search = await window.lucida!.search.query({ text: 'enhance-bf' });
      const hit = search.ok ? search.value.find((h) => h.kind === 'capture') : undefined;
      const got = hit ? await window.lucida!.captures.get({ id: hit.id }) : null;
      return got?.ok ? got.value.derivatives : [];
    });
    expect(layers).toEqual([expect.objectContaining({ kind: 'enhanced', width: 192, height: 192, dtype: 'float32', pixelSizeUm: 0.25, provenance: expect.objectContaining({ modelId: 'lucida-bf-sr2', executionProvider: 'cpu', tileHalo: 16 }) })]);
    await app.screenshot('enhance-side-by-side');
  });

  it('runs the GPU check of a model and lists the execution providers', async () => {
    const { page } = app;
    await page.getByRole('tab', { name: 'Models' }).click();
    await page.getByRole('button', { name: 'GPU check of lucida-bf-sr2' }).click();
    const table = page.getByRole('table', { name: 'Execution providers for lucida-bf-sr2' });
    await table.waitFor({ timeout: 120_000 });
    await table.getByRole('cell', { name: 'cpu', exact: true }).waitFor();
    expect(await table.getByRole('row').count()).toBeGreaterThanOrEqual(3);
    await app.screenshot('enhance-gpu-check');
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });
});
