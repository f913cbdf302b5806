/**
 * What the inference host does, as plain async functions (the host process only adds the message protocol
 * around them, and tests and the benchmark call them in-process too).
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Provenance } from '../../../shared/contract';
import { planTiles } from '../../../shared/tiling';
import { ModelPackageError, type ModelManifest } from './manifest';
import type { LadderEnvironment, ProviderName } from './providers';
import { decodeToRaw, memorySink, memorySource, normalisationFor, rawFileSink, rawFileSource, type RasterSink, type RasterSource, type SampleType } from './raster';
import { batchDimensionIsDynamic, maxAbsDiff, ModelRuntime, type GpuCheckReport, type ProviderChoice } from './sessions';
import { runTiled } from './tiled';

export type EnhanceInput =
  | { kind: 'file'; path: string }
  | { kind: 'raw'; path: string; widthPx: number; heightPx: number; channels: number; sampleType: SampleType; byteOffset?: number }
  | { kind: 'memory'; data: Float32Array | Uint16Array | Uint8Array; widthPx: number; heightPx: number; channels: number };

export type EnhanceOutput = { kind: 'file'; path: string } | { kind: 'memory' };

export interface EnhanceRequest {
  modelId: string;
  input: EnhanceInput;
  output: EnhanceOutput;
  /** Run on this provider only (no fallback); omitted = the ladder. */
  provider?: ProviderName;
  /** Overrides of the manifest's tile size and blend band, input px (the halo is the model's, never lowered). */
  tileSizePx?: number;
  blendPx?: number;
  batchSize?: number;
  /** Where a decoded copy of a compressed input is kept during the run. */
  tempDir?: string;
}

export interface EnhanceResult {
  widthPx: number;
  heightPx: number;
  channels: number;
  channelNames: string[];
  /** The raw float32 HWC file written (with `<path>.json` beside it), or null for memory output. */
  outputPath: string | null;
  data: Float32Array | null;
  provenance: Provenance;
  tiles: number;
  batches: number;
  modelMs: number;
  providerAttempts: ProviderChoice['attempts'];
}

export type ProgressStage = 'loading' | 'choosing-provider' | 'statistics' | 'tiles';
export interface ProgressEvent {
  stage: ProgressStage;
  done: number;
  total: number;
}

export interface RunControl {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export type ValidationResult =
  | { valid: true; id: string; version: string; task: string; sha256: string; scale: number; maxAbsDiff: number; tolerance: number; manifest: ModelManifest }
  | { valid: false; reason: ModelPackageError['reason']; message: string };

export interface EngineOptions {
  /** Folders holding `<id>/manifest.json` (bundled models first, then imported ones). */
  modelRoots: string[];
  ladder: LadderEnvironment;
}

/** A GPU gets several tiles per run; the CPU provider already spreads one tile over its threads. */
function defaultBatchSize(provider: ProviderName, tileElements: number): number {
  if (provider === 'cpu') return 1;
  const budgetElements = 64 * 1024 * 1024; // ≈ 256 MB of float32 input per batch, before activations
  return Math.max(1, Math.min(8, Math.floor(budgetElements / Math.max(1, tileElements * 16))));
}

export class InferenceEngine {
  readonly runtime: ModelRuntime;
  private readonly options: EngineOptions;

  // No parameter properties here: Node's type stripping (which runs this file in tests and the benchmark) does not support them.
  constructor(options: EngineOptions) {
    this.options = options;
    this.runtime = new ModelRuntime(options.ladder);
  }

  resolveModelDir(modelId: string): string {
    if (!/^[a-z0-9][a-z0-9._-]*$/.test(modelId)) throw new ModelPackageError('bad-manifest', `“${modelId}” is not a model id.`);
    for (const root of this.options.modelRoots) {
      const dir = path.join(root, modelId);
      if (existsSync(path.join(dir, 'manifest.json'))) return dir;
    }
    throw new ModelPackageError('missing-file', `No model “${modelId}” is installed (looked in ${this.options.modelRoots.join(', ') || 'no folders'}).`);
  }

  async enhance(req: EnhanceRequest, control: RunControl = {}): Promise<EnhanceResult> {
    const started = performance.now();
    control.onProgress?.({ stage: 'loading', done: 0, total: 1 });
    const model = await this.runtime.load(this.resolveModelDir(req.modelId));
    const m = model.manifest;
    control.onProgress?.({ stage: 'choosing-provider', done: 0, total: 1 });
    const choice = await this.runtime.choose(model, req.provider);
    const session = await this.runtime.session(model, choice.provider);

    let decodedFile: string | null = null;
    let source: RasterSource | null = null;
    let sink: (RasterSink & { data?: Float32Array }) | null = null;
    let ok = false;
    try {
      source = await this.openSource(req, m.input.channels.length, (file) => (decodedFile = file));
      if (source.channels !== m.input.channels.length) {
        throw new ModelPackageError('wrong-shape', `Model “${m.id}” takes ${m.input.channels.length} channels (${m.input.channels.join(', ')}); the image has ${source.channels}.`);
      }
      const grid = planTiles({
        widthPx: source.widthPx,
        heightPx: source.heightPx,
        tileSizePx: req.tileSizePx ?? m.tile.size,
        haloPx: m.tile.halo,
        scale: m.scale,
        multiple: m.tile.multiple,
        blendPx: req.blendPx ?? m.tile.blend ?? 0,
      });
      control.onProgress?.({ stage: 'statistics', done: 0, total: 1 });
      const normalisation = await normalisationFor(source, m.input.normalisation);
      const outC = m.output.channels.length;
      const channelNames = m.output.channels.map((c) => c.name);
      const provenance = (durationMs: number | null): Provenance => ({
        modelId: m.id,
        modelVersion: m.version,
        weightsSha256: model.weightsSha256,
        executionProvider: choice.provider,
        tileSize: grid.tileSizePx,
        tileHalo: grid.haloPx,
        durationMs,
      });
      sink =
        req.output.kind === 'file'
          ? await rawFileSink(req.output.path, { widthPx: grid.outWidthPx, heightPx: grid.outHeightPx, channels: outC, channelNames, provenance: provenance(null) })
          : memorySink(grid.outWidthPx, grid.outHeightPx, outC);
      const first = grid.tiles[0];
      // Batches are cut from one row of tiles, so never larger than a row.
      const batchSize = batchDimensionIsDynamic(session, m.input.name)
        ? Math.max(1, Math.min(grid.cols, req.batchSize ?? defaultBatchSize(choice.provider, first.inWidth * first.inHeight * source.channels)))
        : 1;
      const stats = await runTiled({
        grid,
        source,
        sink,
        outChannels: outC,
        normalisation,
        batchSize,
        runBatch: (data, dims) => this.runtime.run(session, m, data, dims),
        signal: control.signal,
        onProgress: (done, total) => control.onProgress?.({ stage: 'tiles', done, total }),
      });
      const durationMs = performance.now() - started;
      if ('header' in sink) (sink as { header: { provenance: Provenance } }).header.provenance = provenance(durationMs);
      await sink.finish(true);
      ok = true;
      return {
        widthPx: grid.outWidthPx,
        heightPx: grid.outHeightPx,
        channels: outC,
        channelNames,
        outputPath: req.output.kind === 'file' ? req.output.path : null,
        data: sink.data ?? null,
        provenance: provenance(durationMs),
        tiles: stats.tiles,
        batches: stats.batches,
        modelMs: stats.modelMs,
        providerAttempts: choice.attempts,
      };
    } finally {
      if (sink && !ok) await sink.finish(false).catch(() => undefined);
      await source?.close().catch(() => undefined);
      if (decodedFile) await rm(decodedFile, { force: true });
    }
  }

  private async openSource(req: EnhanceRequest, channels: number, onTemp: (file: string) => void): Promise<RasterSource> {
    const input = req.input;
    if (input.kind === 'memory') return memorySource(input.data, input.widthPx, input.heightPx, input.channels);
    if (input.kind === 'raw') return rawFileSource(input.path, input.widthPx, input.heightPx, input.channels, input.sampleType, input.byteOffset ?? 0);
    const temp = path.join(req.tempDir ?? os.tmpdir(), `lucida-decode-${randomUUID()}.v`);
    onTemp(temp);
    const decoded = await decodeToRaw(input.path, temp, channels);
    return rawFileSource(decoded.file, decoded.widthPx, decoded.heightPx, decoded.channels, decoded.sampleType, decoded.byteOffset);
  }

  /** One untiled run of an NCHW tensor already in model units (tests, the benchmark, parity checks). */
  async runTensor(modelId: string, data: Float32Array, dims: number[], provider?: ProviderName): Promise<{ data: Float32Array; dims: number[]; provider: ProviderName }> {
    const model = await this.runtime.load(this.resolveModelDir(modelId));
    const choice = await this.runtime.choose(model, provider);
    const session = await this.runtime.session(model, choice.provider);
    return { ...(await this.runtime.run(session, model.manifest, data, dims)), provider: choice.provider };
  }

  async gpuCheck(modelId: string): Promise<GpuCheckReport> {
    const model = await this.runtime.load(this.resolveModelDir(modelId));
    return this.runtime.gpuCheck(model);
  }

  /** Full check of a model folder before it is imported; never cached, never throws for a bad package. */
  async validateModelPackage(dir: string): Promise<ValidationResult> {
    const runtime = new ModelRuntime(this.options.ladder);
    try {
      const model = await runtime.load(dir);
      const { output } = await runtime.runTestTensor(model, 'cpu');
      const diff = maxAbsDiff(output, model.testOutput.data);
      const m = model.manifest;
      if (!(diff <= m.parityTolerance)) {
        return {
          valid: false,
          reason: 'test-mismatch',
          message: `Model “${m.id}” does not reproduce its test output: max abs difference ${diff.toExponential(2)}, tolerance ${m.parityTolerance}.`,
        };
      }
      return { valid: true, id: m.id, version: m.version, task: m.task, sha256: model.weightsSha256, scale: m.scale, maxAbsDiff: diff, tolerance: m.parityTolerance, manifest: m };
    } catch (error) {
      if (error instanceof ModelPackageError) return { valid: false, reason: error.reason, message: error.message };
      const text = error instanceof Error ? error.message.split('\n')[0] : String(error);
      return { valid: false, reason: 'load-failed', message: `The model in ${dir} could not be loaded by onnxruntime: ${text}` };
    } finally {
      await runtime.release();
    }
  }

  close(): Promise<void> {
    return this.runtime.release();
  }
}
