/** Test support for model packages. Not imported by production code. */

/** A manifest in the shape the inference engine reads (src/main/services/inference/manifest.ts). */
export const validManifest = (id: string, extra: Record<string, unknown> = {}) => ({
  id,
  version: '1.2.0',
  task: 'brightfield-sr',
  file: 'model.onnx',
  sha256: 'ab'.repeat(32),
  input: { name: 'input', channels: ['R', 'G', 'B'], dtype: 'float32', layout: 'NCHW', normalisation: { kind: 'scale', divisor: 255 } },
  output: { name: 'output', channels: [{ name: 'R', meaning: 'enhanced R' }] },
  scale: 2,
  tile: { size: 256, halo: 16, multiple: 8 },
  metrics: { psnrDb: 31.2 },
  testTensors: { input: 'input.npy', output: 'output.npy' },
  parityTolerance: 0.001,
  ...extra,
});
