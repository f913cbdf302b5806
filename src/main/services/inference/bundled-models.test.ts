import { existsSync, readdirSync } from 'node:fs';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { InferenceEngine } from './engine';

/** Every model shipped in resources/models must pass the same check a user's import gets. */
const ROOT = path.resolve(__dirname, '../../../../resources/models');
const bundled = existsSync(ROOT) ? readdirSync(ROOT).filter((d) => existsSync(path.join(ROOT, d, 'manifest.json'))) : [];
const engine = new InferenceEngine({ modelRoots: [ROOT], ladder: { platform: process.platform, arch: process.arch, backends: [{ name: 'cpu', bundled: true }], bindingDir: null } });
afterAll(() => engine.close());

describe('bundled models', () => {
  it.skipIf(bundled.length > 0)('none are bundled yet (resources/models is empty)', () => {});

  it.each(bundled)('%s validates: manifest, weights sha256, shapes, test tensor on the CPU', async (id) => {
    const result = await engine.validateModelPackage(path.join(ROOT, id));
    if (!result.valid) throw new Error(result.message);
    expect(result.id).toBe(id);
    expect(result.maxAbsDiff).toBeLessThanOrEqual(result.tolerance);
    // The plan must leave a core: tile ≥ 2·halo + multiple.
    const { tile } = result.manifest;
    expect(tile.size).toBeGreaterThanOrEqual(2 * Math.ceil(tile.halo / tile.multiple) * tile.multiple + tile.multiple);
  }, 120_000);
});
