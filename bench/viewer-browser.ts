/**
 * The viewer in Chromium: how soon a 10000×10000 capture shows its first tiles after the user opens it, and the
 * frame times while panning it (one pane, then two locked panes).
 *
 *   npx electron-vite build
 *   node_modules/.bin/node --experimental-strip-types bench/viewer-browser.ts [--side 10000] [--formats jpeg,png]
 *
 * Runs the real browser host (out/main/serve.js) on a fresh library and Debian's Chromium (playwright-core, the
 * e2e harness's flags: software rendering, no GPU). "Open → first tiles" is timed inside the page, from the click
 * on the search hit to the first `tile-drawn` of the pane, polled every animation frame; "→ sharp" is until
 * OpenSeadragon reports the view fully loaded. Cold = first open after import (no tiles, no overview on disk);
 * warm = a fresh browser context (empty HTTP cache) reopening it with the host's tile cache filled. Pan frame
 * times are the intervals between animation frames during a mouse drag at 1:1 zoom, tiles loading as it goes.
 * Prints a table and writes bench/results/viewer-browser.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Our sources import each other without extensions (bundler style); the shared hook lets Node find the .ts files.
await import('../src/main/services/inference/ts-hooks.mjs');

const { default: sharp } = await import('sharp');
// The e2e harness is written for vitest (CommonJS `__dirname`); under Node's ESM loader the free name resolves
// through globalThis, so it is given the harness's own folder.
(globalThis as { __dirname?: string }).__dirname = path.resolve(import.meta.dirname, '../e2e');
const harness = await import('../e2e/harness');
type Page = import('playwright-core').Page;

const args = process.argv.slice(2);
const argValue = (name: string, fallback: string) => {
  const at = args.indexOf(name);
  return at >= 0 && at + 1 < args.length ? args[at + 1] : fallback;
};
const side = Number(argValue('--side', '10000'));
const formats = argValue('--formats', 'jpeg,png').split(',') as Array<'jpeg' | 'png'>;
const TARGET_FIRST_TILES_MS = 500;
const TARGET_FRAME_MS = 16.7;
const round = (ms: number) => Math.round(ms * 10) / 10;

/** A smooth RGB specimen-like image with texture: made small, then enlarged, so generating it takes seconds. */
async function makeCapture(file: string, format: 'jpeg' | 'png'): Promise<void> {
  if (fs.existsSync(file)) return;
  const small = Math.ceil(side / 8);
  const data = Buffer.alloc(small * small * 3);
  for (let y = 0; y < small; y++)
    for (let x = 0; x < small; x++) {
      const i = (y * small + x) * 3;
      const r = Math.hypot(x - small / 2, y - small / 2);
      data[i] = 150 + Math.round(60 * Math.cos(r / 6));
      data[i + 1] = 90 + Math.round(50 * Math.sin(x / 11) * Math.cos(y / 13));
      data[i + 2] = 170 + Math.round(40 * Math.sin((x + y) / 17));
    }
  const big = sharp(data, { raw: { width: small, height: small, channels: 3 } }).resize(side, side, { kernel: 'cubic' }).sharpen();
  const temp = `${file}.tmp`;
  await (format === 'jpeg' ? big.jpeg({ quality: 90 }) : big.png({ compressionLevel: 3 })).toFile(temp);
  fs.renameSync(temp, file);
}

async function importCapture(page: Page, file: string): Promise<void> {
  await page.evaluate(async (file) => {
    const api = window.lucida!;
    const session = await api.sessions.create({ title: 'Bench', date: '2026-11-27', modality: 'bright-field', pixelSizeUm: 0.25 });
    if (!session.ok) throw new Error(session.error.message);
    const job = await api.captures.import({ sessionId: session.value.id, sources: [{ kind: 'path', path: file }] });
    if (!job.ok) throw new Error(job.error.message);
    for (let i = 0; i < 1200; i++) {
      const list = await api.captures.list({ sessionId: session.value.id });
      if (list.ok && list.value.length === 1) return;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error('The import did not finish in 2 minutes.');
  }, file);
}

/** Clicks the capture's search hit and times, in the page, the first tiles and the fully loaded view. */
async function timeOpen(page: Page, name: string): Promise<{ firstTilesMs: number; sharpMs: number }> {
  await page.getByRole('searchbox', { name: 'Search catalog' }).fill(name.replace(/\.[^.]+$/, ''));
  const hit = page.getByRole('list', { name: 'Search results' }).getByRole('button', { name: new RegExp(`Capture\\s*${name.replace('.', '\\.')}`) });
  await hit.waitFor();
  return hit.evaluate(async (button) => {
    const frame = () => new Promise((r) => requestAnimationFrame(r));
    const t0 = performance.now();
    (button as HTMLButtonElement).click();
    let firstTilesMs = NaN;
    for (;;) {
      await frame();
      const hook = window.__lucidaViewer;
      if (Number.isNaN(firstTilesMs) && hook?.drawn()[0]) firstTilesMs = performance.now() - t0;
      if (hook?.fullyLoaded()[0]) return { firstTilesMs: Number.isNaN(firstTilesMs) ? performance.now() - t0 : firstTilesMs, sharpMs: performance.now() - t0 };
      if (performance.now() - t0 > 120_000) throw new Error('The view was not loaded within 2 minutes.');
    }
  });
}

interface FrameStats {
  frames: number;
  medianMs: number;
  p95Ms: number;
  maxMs: number;
  over33Ms: number;
}

function stats(deltas: number[]): FrameStats {
  const sorted = [...deltas].sort((a, b) => a - b);
  const q = (p: number) => sorted[Math.min(sorted.length - 1, Math.floor(p * sorted.length))] ?? NaN;
  return { frames: sorted.length, medianMs: round(q(0.5)), p95Ms: round(q(0.95)), maxMs: round(sorted.at(-1) ?? NaN), over33Ms: sorted.filter((d) => d > 33.4).length };
}

/** Zooms the first pane to about 1:1, lets it load, then drags across it while the page records frame intervals. */
async function timePan(page: Page, panes: number): Promise<{ interval: FrameStats; cost: FrameStats }> {
  const box = (await page.getByTestId('pane-0').locator('.vpane-stage').boundingBox())!;
  const cx = box.x + box.width / 2;
  const cy = box.y + box.height / 2;
  await page.mouse.move(cx, cy);
  // Zoom until one image pixel is about one screen pixel (µm per screen px ≈ the pixel size).
  for (let i = 0; i < 40; i++) {
    const view = await page.evaluate(() => window.__lucidaViewer!.centersUm()[0]);
    if (!view || view.umPerScreenPx <= 0.26) break;
    await page.mouse.wheel(0, -240);
    await page.waitForTimeout(80);
  }
  await page.waitForFunction((n) => window.__lucidaViewer?.fullyLoaded().slice(0, n).every(Boolean), panes, { timeout: 60_000 });
  await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __costs: number[]; __recording: boolean };
    w.__frames = [];
    w.__costs = [];
    w.__recording = true;
    // A message posted from a frame's rAF is delivered after that frame's callbacks, style, layout and paint:
    // the time from the frame's start to then is its main-thread cost (OSD updates and canvas draws included).
    const channel = new MessageChannel();
    channel.port1.onmessage = (event: MessageEvent<number>) => w.__costs.push(performance.now() - event.data);
    const tick = (t: number) => {
      w.__frames.push(t);
      channel.port2.postMessage(t);
      if (w.__recording) requestAnimationFrame(tick);
    };
    requestAnimationFrame(tick);
  });
  await page.mouse.down();
  const steps = 150;
  for (let i = 1; i <= steps; i++) {
    // A steady 4 px per step, alternating direction halfway, so new tiles keep coming into view.
    const dx = (i <= steps / 2 ? -i : i - steps) * 4;
    await page.mouse.move(cx + dx, cy + dx * 0.3);
    await page.waitForTimeout(8);
  }
  await page.mouse.up();
  const { times, costs } = await page.evaluate(() => {
    const w = window as unknown as { __frames: number[]; __costs: number[]; __recording: boolean };
    w.__recording = false;
    return { times: w.__frames, costs: w.__costs };
  });
  const deltas = times.slice(1).map((t, i) => t - times[i]);
  return { interval: stats(deltas), cost: stats(costs) };
}

type Pan = { interval: FrameStats; cost: FrameStats };
interface FormatResult {
  capture: { widthPx: number; heightPx: number; format: string; bytes: number; generateMs: number; importMs: number };
  open: { cold: { firstTilesMs: number; sharpMs: number }; warm: { firstTilesMs: number; sharpMs: number } };
  pan: { onePane: Pan; twoLockedPanes: Pan };
}

async function runFormat(format: 'jpeg' | 'png', browser: import('playwright-core').Browser): Promise<FormatResult> {
  const label = `capture-${side}.${format === 'jpeg' ? 'jpg' : 'png'}`;
  const inputs = path.join(os.tmpdir(), 'lucida-bench-viewer');
  fs.mkdirSync(inputs, { recursive: true });
  const file = path.join(inputs, label);
  const tGen = performance.now();
  await makeCapture(file, format);
  const genMs = performance.now() - tGen;
  const libraryDir = harness.freshLibrary('bench-viewer');
  const host = await harness.startBrowserHost(libraryDir, { timeoutMs: 60_000 });
  try {
    const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page = await context.newPage();
    await page.goto(host.url);
    await page.getByTestId('host-info').waitFor({ timeout: 30_000 });
    const tImport = performance.now();
    await importCapture(page, file);
    const importMs = performance.now() - tImport;

    const cold = await timeOpen(page, label);
    const pan1 = await timePan(page, 1);
    await page.getByRole('button', { name: '+ pane' }).click();
    await page.getByTestId('pane-1').waitFor();
    await page.waitForFunction(() => window.__lucidaViewer?.fullyLoaded().every(Boolean) && window.__lucidaViewer.drawn().length === 2, undefined, { timeout: 60_000 });
    const pan2 = await timePan(page, 2);
    await context.close();

    // Warm: a new context has no HTTP cache; the host's tiles/ cache is filled. Remembered views are per context
    // too (localStorage), so it opens at the home view like the cold run.
    const context2 = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
    const page2 = await context2.newPage();
    await page2.goto(host.url);
    await page2.getByTestId('host-info').waitFor({ timeout: 30_000 });
    const warm = await timeOpen(page2, label);
    await context2.close();
    return {
      capture: { widthPx: side, heightPx: side, format, bytes: fs.statSync(file).size, generateMs: round(genMs), importMs: round(importMs) },
      open: { cold: { firstTilesMs: round(cold.firstTilesMs), sharpMs: round(cold.sharpMs) }, warm: { firstTilesMs: round(warm.firstTilesMs), sharpMs: round(warm.sharpMs) } },
      pan: { onePane: pan1, twoLockedPanes: pan2 },
    };
  } finally {
    await host.stop();
    fs.rmSync(libraryDir, { recursive: true, force: true });
  }
}

const browser = await harness.launchChromium();
const byFormat: Record<string, FormatResult> = {};
try {
  for (const format of formats) byFormat[format] = await runFormat(format, browser);
} finally {
  await browser.close().catch(() => undefined);
}
const results = {
  date: new Date().toISOString(),
  machine: { cpus: os.cpus().length, cpuModel: os.cpus()[0]?.model ?? 'unknown', loadAverage1m: os.loadavg()[0], memoryGiB: Math.round(os.totalmem() / 1024 ** 3) },
  browser: { flags: harness.CHROMIUM_ARGS, viewport: '1400×900', drawer: 'canvas (software, --disable-gpu)' },
  targets: { firstTilesMs: TARGET_FIRST_TILES_MS, medianFrameMs: TARGET_FRAME_MS },
  notes: [
    'cold = first open right after import: no overview or tiles on disk (the importer does not call pyramid.prepare yet)',
    'frame intervals are whole vsyncs at 60 Hz; main-thread cost is frame start → a message posted from rAF (includes tasks queued before it: an upper bound)',
  ],
  formats: byFormat,
};

const mark = (ok: boolean) => (ok ? 'ok' : 'MISS');
// Frame intervals come in whole vsyncs (16.67 ms at 60 Hz): "< 16.7 ms" means every median frame is one vsync.
const oneVsync = (ms: number) => ms <= TARGET_FRAME_MS + 0.05;
const panRows = (name: string, p: Pan): Array<[string, string, string, string]> => [
  [`pan, ${name}: median frame interval`, `${p.interval.medianMs} ms`, `≤ ${TARGET_FRAME_MS} ms`, mark(oneVsync(p.interval.medianMs))],
  [`pan, ${name}: p95 / max interval`, `${p.interval.p95Ms} / ${p.interval.maxMs} ms`, '', `${p.interval.over33Ms} of ${p.interval.frames} > 33 ms`],
  [`pan, ${name}: main-thread cost median / p95`, `${p.cost.medianMs} / ${p.cost.p95Ms} ms`, `< ${TARGET_FRAME_MS} ms`, mark(p.cost.medianMs < TARGET_FRAME_MS)],
];
const rows: Array<[string, string, string, string]> = [];
for (const [format, r] of Object.entries(byFormat)) {
  const f = format.toUpperCase();
  rows.push(
    [`${f} open → first tiles (cold, after import)`, `${r.open.cold.firstTilesMs} ms`, `< ${TARGET_FIRST_TILES_MS} ms`, mark(r.open.cold.firstTilesMs < TARGET_FIRST_TILES_MS)],
    [`${f} open → view fully loaded (cold)`, `${r.open.cold.sharpMs} ms`, '', ''],
    [`${f} open → first tiles (warm tile cache)`, `${r.open.warm.firstTilesMs} ms`, `< ${TARGET_FIRST_TILES_MS} ms`, mark(r.open.warm.firstTilesMs < TARGET_FIRST_TILES_MS)],
    [`${f} open → view fully loaded (warm)`, `${r.open.warm.sharpMs} ms`, '', ''],
    ...panRows(`${f} 1 pane`, r.pan.onePane),
    ...panRows(`${f} 2 locked panes`, r.pan.twoLockedPanes),
  );
}
const widths = [0, 1, 2, 3].map((c) => Math.max(...rows.map((r) => r[c].length), ['measure', 'value', 'target', ''][c].length));
const line = (r: string[]) => r.map((cell, c) => cell.padEnd(widths[c])).join('  ');
console.log(`\nViewer in Chromium — ${side}×${side} capture, ${os.cpus().length} CPUs, load ${os.loadavg()[0].toFixed(1)}`);
console.log(line(['measure', 'value', 'target', '']));
console.log(widths.map((w) => '-'.repeat(w)).join('  '));
for (const r of rows) console.log(line(r));
const out = path.resolve(import.meta.dirname, 'results/viewer-browser.json');
fs.mkdirSync(path.dirname(out), { recursive: true });
fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
console.log(`\nWrote ${path.relative(process.cwd(), out)}`);
