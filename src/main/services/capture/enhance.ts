/**
 * Live enhancement: the network runs on the centre region of the newest frame, in the inference host's process,
 * one run at a time; frames that arrive meanwhile are simply not enhanced. The raw live view never waits for it —
 * results travel as extra messages on the live channel, carrying the model's provenance and their own rate.
 */
import fs from 'node:fs/promises';
import path from 'node:path';
import sharp from 'sharp';
import type { LiveEnhanceState, LiveFrameHeader } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { InferenceClient, ProviderName } from '../inference';
import { LIVE_JPEG } from './live';
import type { Frame } from './types';

interface ModelInfo {
  id: string;
  version: string;
  scale: number;
  inputChannels: number;
  divisor: number | null;
}

export interface LiveEnhancerDeps {
  inference: () => InferenceClient | null;
  /** Folder of a model id (`<resources>/models/<id>`), holding manifest.json. */
  modelDir: (modelId: string) => string;
  publish: (header: LiveFrameHeader, jpeg: Buffer) => void;
  baseHeader: (frame: Frame) => LiveFrameHeader;
  log: (message: string) => void;
}

export class LiveEnhancer {
  private enabled = false;
  private model: ModelInfo | null = null;
  private regionPx = 256;
  private requestedProvider: ProviderName | undefined;
  private busy = false;
  private done: number[] = [];
  private provider: string | null = null;
  private lastError: string | null = null;
  private readonly deps: LiveEnhancerDeps;

  constructor(deps: LiveEnhancerDeps) {
    this.deps = deps;
  }

  state(): LiveEnhanceState {
    const available = this.deps.inference() !== null;
    const span = this.done.length > 1 ? this.done[this.done.length - 1]! - this.done[0]! : 0;
    return {
      enabled: this.enabled,
      available,
      reason: available ? this.lastError : 'This host runs no inference engine, so live enhancement is not available here.',
      modelId: this.model?.id ?? null,
      regionPx: this.regionPx,
      fps: span > 0 ? Math.round(((this.done.length - 1) * 10_000) / span) / 10 : 0,
      executionProvider: this.provider,
    };
  }

  async configure(enabled: boolean, modelId: string | undefined, regionPx: number | undefined, provider?: ProviderName): Promise<LiveEnhanceState> {
    if (regionPx !== undefined) this.regionPx = regionPx;
    this.requestedProvider = provider;
    if (!enabled) {
      this.enabled = false;
      return this.state();
    }
    if (!this.deps.inference()) throw new AppError('invalid-input', 'This host runs no inference engine, so live enhancement is not available here.');
    const id = modelId ?? this.model?.id;
    if (!id) throw new AppError('invalid-input', 'Choose the model to run on the live view.');
    this.model = await readModel(this.deps.modelDir(id), id);
    this.done = [];
    this.lastError = null;
    this.enabled = true;
    return this.state();
  }

  /** Offered every live frame; starts a run only when none is going. */
  offer(frame: Frame): void {
    if (!this.enabled || this.busy || !this.model) return;
    const client = this.deps.inference();
    if (!client) return;
    this.busy = true;
    void this.run(client, this.model, frame)
      .catch((error: unknown) => {
        this.lastError = `Live enhancement stopped: ${error instanceof Error ? error.message : String(error)}`;
        this.enabled = false;
        this.deps.log(`[capture] ${this.lastError}`);
      })
      .finally(() => {
        this.busy = false;
      });
  }

  private async run(client: InferenceClient, model: ModelInfo, frame: Frame): Promise<void> {
    const w = Math.min(this.regionPx, frame.widthPx);
    const h = Math.min(this.regionPx, frame.heightPx);
    const x0 = Math.floor((frame.widthPx - w) / 2);
    const y0 = Math.floor((frame.heightPx - h) / 2);
    const c = model.inputChannels;
    // Model units: the manifest's divisor is for 8-bit data, so deeper samples are first brought to 0–255.
    const toEight = 255 / (2 ** frame.bitDepth - 1);
    const divisor = model.divisor ?? 1;
    const input = new Float32Array(c * w * h);
    for (let ch = 0; ch < c; ch++) {
      const src = Math.min(ch, frame.channels - 1);
      for (let y = 0; y < h; y++) {
        for (let x = 0; x < w; x++) input[(ch * h + y) * w + x] = (frame.data[((y0 + y) * frame.widthPx + x0 + x) * frame.channels + src]! * toEight) / divisor;
      }
    }
    const started = performance.now();
    const result = await client.runTensor(model.id, input, [1, c, h, w], this.requestedProvider);
    const durationMs = performance.now() - started;
    const [, oc = 1, oh = h * model.scale, ow = w * model.scale] = result.dims;
    const rgb = Buffer.alloc(oh * ow * 3);
    for (let y = 0; y < oh; y++) {
      for (let x = 0; x < ow; x++) {
        for (let k = 0; k < 3; k++) {
          const v = result.data[(Math.min(k, oc - 1) * oh + y) * ow + x]! * divisor;
          rgb[(y * ow + x) * 3 + k] = v <= 0 ? 0 : v >= 255 ? 255 : Math.round(v);
        }
      }
    }
    const jpeg = await sharp(rgb, { raw: { width: ow, height: oh, channels: 3 } }).jpeg(LIVE_JPEG).toBuffer();
    this.provider = result.provider;
    this.done.push(performance.now());
    if (this.done.length > 10) this.done.shift();
    if (!this.enabled) return;
    this.deps.publish(
      {
        ...this.deps.baseHeader(frame),
        widthPx: ow,
        heightPx: oh,
        enhanced: { modelId: model.id, modelVersion: model.version, executionProvider: result.provider, durationMs: Math.round(durationMs), fps: this.state().fps, scale: model.scale, region: { xPx: x0, yPx: y0, widthPx: w, heightPx: h } },
      },
      jpeg,
    );
  }
}

async function readModel(dir: string, id: string): Promise<ModelInfo> {
  let manifest: { id?: string; version?: string; scale?: number; input?: { channels?: string[]; normalisation?: { kind?: string; divisor?: number } } };
  try {
    manifest = JSON.parse(await fs.readFile(path.join(dir, 'manifest.json'), 'utf8'));
  } catch {
    throw new AppError('not-found', `There is no model “${id}” to run on the live view.`);
  }
  const norm = manifest.input?.normalisation;
  if (norm && norm.kind !== 'scale' && norm.kind !== 'none') {
    throw new AppError('invalid-input', `Model “${id}” normalises by image statistics (${norm.kind}); live enhancement runs only models with a fixed scale.`);
  }
  return {
    id,
    version: manifest.version ?? 'unknown',
    scale: manifest.scale ?? 1,
    inputChannels: manifest.input?.channels?.length ?? 3,
    divisor: norm?.kind === 'scale' ? (norm.divisor ?? 1) : null,
  };
}
