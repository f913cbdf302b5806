/**
 * Bad input gets one clear message and changes nothing: files that are not images, truncated or empty, a
 * duplicate accession id, impossible optics, and malformed payloads sent straight through `window.lucida`.
 */
import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startLucida, unexpectedProblems, type Lucida } from './harness';
import { createSession, createSpecimen, importFiles, waitForImportEnd } from './steps';

const ACCESSION = 'BAD-0001';

describe('bad input in the browser host', () => {
  let app: Lucida;
  let inputs: string;

  beforeAll(async () => {
    app = await startLucida('bad-input');
    inputs = `${app.libraryDir}-inputs`;
    fs.mkdirSync(inputs, { recursive: true });
    await app.open();
  });

  afterAll(async () => {
    await app?.close();
  });

  it('sets up a specimen and a session', async () => {
    await createSpecimen(app.page, { accessionId: ACCESSION, tissue: 'skin' });
    await app.page.getByRole('heading', { name: ACCESSION }).waitFor();
    await createSession(app.page, { title: 'Bad files', modality: 'Smartphone' });
    await app.page.getByText('No captures in this session yet').waitFor();
  });

  it('rejects a text file named .png, a truncated PNG and an empty file, one message each, adding nothing', async () => {
    const { page } = app;
    const textAsPng = path.join(inputs, 'notes-not-an-image.png');
    fs.writeFileSync(textAsPng, 'These are lab notes, not pixels.\n'.repeat(20));
    const fullPng = await sharp({ create: { width: 256, height: 256, channels: 3, background: { r: 90, g: 140, b: 200 } } })
      .png({ compressionLevel: 0 })
      .toBuffer();
    const truncated = path.join(inputs, 'truncated-scan.png');
    fs.writeFileSync(truncated, fullPng.subarray(0, Math.floor(fullPng.length / 2)));
    const empty = path.join(inputs, 'empty-frame.tif');
    fs.writeFileSync(empty, Buffer.alloc(0));

    await importFiles(page, [textAsPng, truncated, empty]);
    const status = await waitForImportEnd(page);
    expect(status).toMatch(/None of the 3 files could be imported|could not be imported/i);

    const failures = page.getByRole('list', { name: 'Files not imported' }).getByRole('listitem');
    await expect(failures.count()).resolves.toBe(3);
    const lines = await failures.allTextContents();
    for (const name of ['notes-not-an-image.png', 'truncated-scan.png', 'empty-frame.tif']) {
      const mine = lines.filter((line) => line.includes(name));
      expect(mine, `one message for ${name}`).toHaveLength(1);
      const message = mine[0]!.replace(name, '').trim();
      expect(message.length, `a readable message for ${name}`).toBeGreaterThan(10);
      expect(message).not.toMatch(/\bat .*:\d+:\d+|undefined|\[object/);
    }
    await app.screenshot('bad-input-import');
    await page.getByText('No captures in this session yet').waitFor();
    const captures = await page.evaluate(async () => {
      const sessions = await window.lucida!.sessions.list({});
      return sessions.ok ? sessions.value.map((s) => s.captureCount) : null;
    });
    expect(captures).toEqual([0]);
  });

  it('explains a duplicate accession id in the form and creates nothing', async () => {
    const { page } = app;
    await createSpecimen(page, { accessionId: ACCESSION, tissue: 'a second one' });
    const dialog = page.getByRole('dialog', { name: 'New specimen' });
    const field = dialog.getByLabel('Accession id');
    await expect.poll(() => field.getAttribute('aria-invalid')).toBe('true');
    const message = await dialog.locator('.field-error').first().textContent();
    expect(message).toMatch(new RegExp(ACCESSION));
    await app.screenshot('bad-input-duplicate');
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await dialog.waitFor({ state: 'detached' });
    await expect(page.getByRole('list', { name: 'Specimens' }).getByRole('listitem').count()).resolves.toBe(1);
  });

  it('refuses an impossible numerical aperture in the session form', async () => {
    const { page } = app;
    await page.getByRole('button', { name: 'New session' }).click();
    const dialog = page.getByRole('dialog', { name: 'New session' });
    await dialog.getByLabel('Title').fill('Oil immersion?');
    await dialog.getByLabel('Numerical aperture').fill('2.4');
    await dialog.getByLabel('Pixel size').fill('abc');
    await dialog.getByRole('button', { name: 'Create session' }).click();
    await dialog.getByText('A numerical aperture above 1.7 is not physical').waitFor();
    await dialog.getByText('Enter a number').waitFor();
    await dialog.getByRole('button', { name: 'Cancel' }).click();
    await expect(page.getByRole('list', { name: 'Sessions' }).getByRole('listitem').count()).resolves.toBe(1);
  });

  it('answers malformed payloads sent through window.lucida with invalid-input and changes nothing', async () => {
    const results = await app.page.evaluate(async () => {
      const api = window.lucida!;
      const before = await api.specimens.list({});
      // Deliberately wrong types, as a compromised or buggy page might send them.
      const wrongType = await api.specimens.create({ accessionId: 42 } as unknown as { accessionId: string });
      const badAperture = await api.sessions.create({ title: 'x', date: '2026-01-01', modality: 'bright-field', numericalAperture: 9 });
      const badDate = await api.sessions.create({ title: 'x', date: '2026-02-31x', modality: 'bright-field' });
      const badUpload = await api.captures.import({ sessionId: 1, sources: [{ kind: 'upload', uploadId: '../../etc/passwd', name: 'x.png' }] });
      const after = await api.specimens.list({});
      const sessions = await api.sessions.list({});
      return {
        before: before.ok ? before.value.length : -1,
        after: after.ok ? after.value.length : -1,
        sessions: sessions.ok ? sessions.value.length : -1,
        outcomes: [wrongType, badAperture, badDate, badUpload].map((r) => (r.ok ? { ok: true } : { ok: false, code: r.error.code, message: r.error.message })),
      };
    });
    expect(results.after).toBe(results.before);
    expect(results.sessions).toBe(1);
    for (const outcome of results.outcomes) {
      expect(outcome.ok).toBe(false);
      expect(outcome.code).toBe('invalid-input');
      expect((outcome.message ?? '').length).toBeGreaterThan(5);
    }
  });

  it('refuses an empty accession id sent past the form, with a message that names the field', async () => {
    const thrown = await app.page.evaluate(async () => {
      const bridge = window.lucida!;
      const envelope = await bridge.specimens.create({ accessionId: '' });
      return envelope.ok ? null : envelope.error;
    });
    expect(thrown?.code).toBe('invalid-input');
    expect(thrown?.message).toMatch(/accession id/i);
  });

  it('logged no unexpected errors', () => {
    expect(unexpectedProblems(app.problems)).toEqual([]);
  });
});
