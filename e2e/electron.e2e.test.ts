/**
 * The desktop host: the same renderer inside Electron, reached through the preload bridge. Runs only where the
 * Electron binary is installed; elsewhere it is skipped with the reason, never silently passed.
 */
import fs from 'node:fs';
import path from 'node:path';
import { _electron, type ElectronApplication } from 'playwright-core';
import { afterAll, describe, expect, it } from 'vitest';
import { artifactsDir, freshLibrary, repoRoot } from './harness';

/**
 * Finds the Electron executable without `require('electron')`, whose index tries to download the binary when
 * it is missing — exactly what must not happen on machines where that download is blocked.
 */
function electronBinary(): string | null {
  const pkg = path.join(repoRoot, 'node_modules/electron');
  const pathFile = path.join(pkg, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const relative = fs.readFileSync(pathFile, 'utf8').trim();
  const dist = process.env.ELECTRON_OVERRIDE_DIST_PATH ?? path.join(pkg, 'dist');
  const binary = path.join(dist, relative);
  return fs.existsSync(binary) ? binary : null;
}

const binary = electronBinary();
const SKIP_REASON =
  'Electron binary not installed on this machine (download blocked); run on a machine where `npx install-electron` succeeds';

describe('Electron host', () => {
  let app: ElectronApplication | undefined;

  afterAll(async () => {
    await app?.close().catch(() => undefined);
  });

  if (!binary) {
    it.skip(SKIP_REASON, () => undefined);
    return;
  }

  it('opens the Catalog in a window whose page has the bridge and no Node', async () => {
    const libraryDir = freshLibrary('electron');
    app = await _electron.launch({
      executablePath: binary,
      args: ['out/main/index.js', '--library', libraryDir],
      cwd: repoRoot,
      timeout: 60_000,
    });
    const page = await app.firstWindow();
    await page.waitForLoadState('domcontentloaded');
    await expect.poll(() => page.title()).toBe('Lucida');
    await page.getByRole('tab', { name: 'Catalog' }).waitFor();
    await page.getByText('No specimens yet').waitFor();
    await page.getByTestId('host-info').waitFor();

    const globals = await page.evaluate(() => ({
      lucida: typeof window.lucida,
      require: typeof (window as unknown as { require?: unknown }).require,
      process: typeof (globalThis as unknown as { process?: unknown }).process,
    }));
    expect(globals).toEqual({ lucida: 'object', require: 'undefined', process: 'undefined' });

    const info = await page.evaluate(() => window.lucida!.app.info({}));
    expect(info.ok && info.value.host).toBe('electron');

    fs.mkdirSync(artifactsDir, { recursive: true });
    await page.screenshot({ path: path.join(artifactsDir, 'electron-catalog.png') });
  });
});
