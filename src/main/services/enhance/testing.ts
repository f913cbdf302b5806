/** Test support: an inference client that needs no onnxruntime. Not imported by production code. */
import fs from 'node:fs/promises';
import type { InferenceClient } from '../inference';
import { InferenceCancelled } from '../inference/tiled';

/**
 * Writes a constant-valued ×`scale` RGB float32 output (and its `lucida-raw` header) for any input, as the engine
 * does (`.part`, then rename); `fail` names input paths to refuse; `delayMs` spaces the progress events.
 */
export function fakeInferenceClient(options: { scale?: number; widthPx?: number; heightPx?: number; fail?: (inputPath: string) => boolean; delayMs?: number } = {}): InferenceClient & { calls: string[] } {
  const scale = options.scale ?? 2;
  const calls: string[] = [];
  const provenance = { modelId: '', modelVersion: '1.2.0', weightsSha256: 'ab'.repeat(32), executionProvider: 'cpu', tileSize: 256, tileHalo: 16, durationMs: 5 };
  return {
    calls,
    async enhance(request, control) {
      calls.push(request.modelId);
      const input = request.input.kind === 'memory' ? '' : request.input.path;
      if (options.fail?.(input)) throw Object.assign(new Error(`The image ${input} is too small for this model.`), { name: 'TilingError' });
      const w = (options.widthPx ?? 8) * scale;
      const h = (options.heightPx ?? 8) * scale;
      for (let t = 1; t <= 4; t++) {
        if (control?.signal?.aborted) throw new InferenceCancelled();
        await new Promise((r) => setTimeout(r, options.delayMs ?? 0));
        control?.onProgress?.({ stage: 'tiles', done: t, total: 4 });
      }
      if (request.output.kind !== 'file') throw new Error('file output only');
      const p = { ...provenance, modelId: request.modelId, executionProvider: request.provider ?? 'cpu' };
      await fs.writeFile(`${request.output.path}.part`, Buffer.from(new Float32Array(w * h * 3).fill(0.5).buffer));
      await fs.writeFile(`${request.output.path}.json`, JSON.stringify({ format: 'lucida-raw', widthPx: w, heightPx: h, channels: 3, channelNames: ['R', 'G', 'B'], dtype: 'float32', layout: 'HWC', byteOrder: 'little', provenance: p }));
      await fs.rename(`${request.output.path}.part`, request.output.path);
      return { widthPx: w, heightPx: h, channels: 3, channelNames: ['R', 'G', 'B'], outputPath: request.output.path, data: null, provenance: p, tiles: 4, batches: 4, modelMs: 3, providerAttempts: [] };
    },
    async gpuCheck(modelId) {
      return {
        modelId,
        modelVersion: '1.2.0',
        providers: [
          { provider: 'webgpu', status: 'available', reason: null, maxAbsDiffVsExpected: 1e-6, runMs: 2 },
          { provider: 'cpu', status: 'active', reason: null, maxAbsDiffVsExpected: 0, runMs: 3 },
          { provider: 'cuda', status: 'skipped', reason: 'CUDA libraries are not installed.', maxAbsDiffVsExpected: null, runMs: null },
        ],
        parity: [{ provider: 'webgpu', maxAbsDiffVsCpu: 1e-6, tolerance: 1e-3, pass: true }],
      };
    },
    async validateModelPackage(dir) {
      const manifest = JSON.parse(await fs.readFile(`${dir}/manifest.json`, 'utf8').catch(() => '{}')) as { id?: string; version?: string; task?: string; sha256?: string };
      if (!manifest.id) return { valid: false, reason: 'missing-file', message: `${dir} has no manifest.json.` };
      return { valid: true, id: manifest.id, version: manifest.version ?? '1', task: manifest.task ?? 'brightfield-sr', sha256: manifest.sha256 ?? '', scale, maxAbsDiff: 0, tolerance: 1e-3, manifest: manifest as never };
    },
    runTensor: () => Promise.reject(new Error('not faked')),
    ladder: async () => [],
    stats: async () => ({ rssBytes: 0, maxRssBytes: 0, pid: 0 }),
    pid: undefined,
    starts: 0,
    close: async () => undefined,
  };
}
