/** UI steps shared by the specs, written the way a person works: by labels, roles and visible text. */
import fs from 'node:fs';
import path from 'node:path';
import type { Page } from 'playwright-core';
import sharp from 'sharp';

export interface SpecimenFields {
  accessionId: string;
  tissue?: string;
  stain?: string;
  preparation?: string;
  notes?: string;
  tags?: string;
}

export async function createSpecimen(page: Page, fields: SpecimenFields): Promise<void> {
  await page.getByRole('button', { name: 'New specimen' }).click();
  const dialog = page.getByRole('dialog', { name: 'New specimen' });
  await dialog.getByLabel('Accession id').fill(fields.accessionId);
  if (fields.tissue) await dialog.getByLabel('Tissue').fill(fields.tissue);
  if (fields.stain) await dialog.getByLabel('Stain').fill(fields.stain);
  if (fields.preparation) await dialog.getByLabel('Preparation').fill(fields.preparation);
  if (fields.tags) await dialog.getByLabel('Tags').fill(fields.tags);
  if (fields.notes) await dialog.getByLabel('Notes').fill(fields.notes);
  await dialog.getByRole('button', { name: 'Create specimen' }).click();
}

export interface SessionFields {
  title: string;
  operator?: string;
  microscope?: string;
  objectiveMagnification?: string;
  numericalAperture?: string;
  camera?: string;
  pixelSizeUm?: string;
  modality?: 'Bright-field' | 'Smartphone' | 'Hologram';
  tags?: string;
}

export async function createSession(page: Page, fields: SessionFields): Promise<void> {
  await page.getByRole('button', { name: 'New session' }).click();
  const dialog = page.getByRole('dialog', { name: 'New session' });
  await dialog.getByLabel('Title').fill(fields.title);
  if (fields.operator) await dialog.getByLabel('Operator').fill(fields.operator);
  if (fields.microscope) await dialog.getByLabel('Microscope').fill(fields.microscope);
  if (fields.objectiveMagnification) await dialog.getByLabel('Objective magnification').fill(fields.objectiveMagnification);
  if (fields.numericalAperture) await dialog.getByLabel('Numerical aperture').fill(fields.numericalAperture);
  if (fields.camera) await dialog.getByLabel('Camera').fill(fields.camera);
  if (fields.pixelSizeUm) await dialog.getByLabel('Pixel size').fill(fields.pixelSizeUm);
  if (fields.modality) await dialog.getByLabel('Modality').selectOption({ label: fields.modality });
  if (fields.tags) await dialog.getByLabel('Tags').fill(fields.tags);
  await dialog.getByRole('button', { name: 'Create session' }).click();
  await dialog.waitFor({ state: 'detached' });
}

export async function importFiles(page: Page, files: readonly string[]): Promise<void> {
  await page.getByLabel('Image files to import').setInputFiles([...files]);
}

/** The import panel's status line once the run has ended (its Dismiss button appears only then). */
export async function waitForImportEnd(page: Page, timeout = 30_000): Promise<string> {
  const panel = page.getByRole('region', { name: 'Import' });
  await panel.getByRole('button', { name: 'Dismiss' }).waitFor({ timeout });
  return (await panel.getByRole('status').textContent()) ?? '';
}

export async function selectSpecimen(page: Page, accessionId: string): Promise<void> {
  await page.getByRole('list', { name: 'Specimens' }).getByRole('button', { name: accessionId }).click();
}

export async function selectSession(page: Page, title: string): Promise<void> {
  await page.getByRole('list', { name: 'Sessions' }).getByRole('button', { name: title }).click();
}

export async function thumbnailsLoaded(page: Page): Promise<number> {
  return page.getByRole('img', { name: /^Thumbnail of / }).evaluateAll((imgs) =>
    imgs.filter((img) => (img as HTMLImageElement).complete && (img as HTMLImageElement).naturalWidth > 0).length,
  );
}

export interface TestImages {
  png: string;
  tiff16: string;
}

/** An 8-bit RGB PNG and a 16-bit greyscale TIFF with smooth gradients (so thumbnails are visibly not blank). */
export async function makeTestImages(dir: string): Promise<TestImages> {
  fs.mkdirSync(dir, { recursive: true });
  const png = path.join(dir, 'bf-liver-rgb.png');
  const tiff16 = path.join(dir, 'holo-grey16.tif');
  {
    const w = 120;
    const h = 80;
    const rgb = Buffer.alloc(w * h * 3);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) {
        const i = (y * w + x) * 3;
        const r = Math.hypot(x - w / 2, y - h / 2);
        rgb[i] = 200 + Math.round(40 * Math.cos(r / 4));
        rgb[i + 1] = Math.round((255 * x) / w);
        rgb[i + 2] = Math.round((255 * y) / h);
      }
    await sharp(rgb, { raw: { width: w, height: h, channels: 3 } }).png().toFile(png);
  }
  {
    const w = 96;
    const h = 64;
    const grey = new Uint16Array(w * h);
    for (let y = 0; y < h; y++)
      for (let x = 0; x < w; x++) grey[y * w + x] = Math.round(32767.5 + 32767.5 * Math.sin(Math.hypot(x - w / 2, y - h / 2) / 5));
    // sharp takes the sample depth of raw input from the typed array's type: a Uint16Array is read as 16-bit.
    await sharp(grey, { raw: { width: w, height: h, channels: 1 } })
      .toColourspace('grey16')
      .tiff({ compression: 'lzw' })
      .toFile(tiff16);
  }
  return { png, tiff16 };
}

/**
 * The live canvas's size and the spread of its red values over a sample of pixels (a blank canvas has none). The
 * canvas shows frames through a bitmaprenderer context, so its pixels are read through a copy on a 2D canvas.
 */
export async function liveCanvasPixels(page: Page): Promise<{ width: number; height: number; spread: number }> {
  return page.evaluate(() => {
    const canvas = document.querySelector('canvas.capture-canvas') as HTMLCanvasElement;
    const copy = document.createElement('canvas');
    copy.width = canvas.width;
    copy.height = canvas.height;
    const ctx = copy.getContext('2d')!;
    ctx.drawImage(canvas, 0, 0);
    const data = ctx.getImageData(0, 0, canvas.width, canvas.height).data;
    let min = 255;
    let max = 0;
    for (let i = 0; i < data.length; i += 4 * 97) {
      min = Math.min(min, data[i]!);
      max = Math.max(max, data[i]!);
    }
    return { width: canvas.width, height: canvas.height, spread: max - min };
  });
}
