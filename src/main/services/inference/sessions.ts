/**
 * Models, sessions and the execution-provider ladder, inside the inference host process. A session is cached
 * per (model folder, provider); the provider a model runs on is chosen once, by creating a session AND running
 * the model's test tensor, so a GPU that loads but computes wrong answers is passed over, not trusted.
 */
import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { ModelPackageError, readManifest, verifyWeights, type ModelManifest, type ModelPackage } from './manifest';
import { readNpy, type NpyArray } from './npy';
import { PROVIDER_LABELS, providerLadder, type LadderEnvironment, type ProviderName } from './providers';

export interface LoadedModel {
  pkg: ModelPackage;
  manifest: ModelManifest;
  weightsSha256: string;
  testInput: NpyArray;
  testOutput: NpyArray;
}

export interface ProviderAttempt {
  provider: ProviderName;
  status: 'active' | 'available' | 'skipped' | 'failed';
  /** Why it was skipped or how it failed, in words. */
  reason: string | null;
  /** Max abs difference of this provider's test-tensor output from the manifest's expected output. */
  maxAbsDiffVsExpected: number | null;
  runMs: number | null;
}

export interface ProviderChoice {
  provider: ProviderName;
  attempts: ProviderAttempt[];
}

export interface ParityResult {
  provider: ProviderName;
  /** Null when the outputs cannot be compared (NaN, or different sizes). */
  maxAbsDiffVsCpu: number | null;
  tolerance: number;
  pass: boolean;
}

export interface GpuCheckReport {
  modelId: string;
  modelVersion: string;
  providers: ProviderAttempt[];
  parity: ParityResult[];
}

/** A GPU whose warm test-tensor run takes more than this many times the CPU's (and SLOW_GPU_MARGIN_MS more) is passed over. */
const SLOW_GPU_FACTOR = 3;
const SLOW_GPU_MARGIN_MS = 20;

export function maxAbsDiff(a: ArrayLike<number>, b: ArrayLike<number>): number {
  if (a.length !== b.length) return Number.POSITIVE_INFINITY;
  let m = 0;
  for (let i = 0; i < a.length; i++) {
    const d = Math.abs(a[i] - b[i]);
    if (!(d <= m)) m = Number.isNaN(d) ? Number.POSITIVE_INFINITY : d;
  }
  return m;
}

const errorText = (error: unknown) => (error instanceof Error ? error.message : String(error)).split('\n')[0].slice(0, 400);

export class ModelRuntime {
  private readonly models = new Map<string, Promise<LoadedModel>>();
  private readonly sessions = new Map<string, Promise<ort.InferenceSession>>();
  private readonly choices = new Map<string, ProviderChoice>();
  private readonly stamps = new Map<string, string>();
  private readonly slowness = new Map<string, Promise<string | null>>();

  private readonly env: LadderEnvironment;

  constructor(env: LadderEnvironment) {
    this.env = env;
  }

  ladder() {
    return providerLadder(this.env);
  }

  /**
   * Reads, checks and caches a model package. The weights hash is verified once per version of the files on
   * disk: a changed manifest or model file (same folder, new mtime or size) is loaded and verified afresh.
   */
  async load(dir: string): Promise<LoadedModel> {
    const stamp = await filesStamp(dir);
    if (this.stamps.get(dir) !== stamp) {
      this.stamps.set(dir, stamp);
      this.forget(dir);
    }
    let pending = this.models.get(dir);
    if (!pending) {
      pending = (async () => {
        const pkg = await readManifest(dir);
        const weightsSha256 = await verifyWeights(pkg);
        const testInput = await readNpy(`${dir}/${pkg.manifest.testTensors.input}`);
        const testOutput = await readNpy(`${dir}/${pkg.manifest.testTensors.output}`);
        checkTestTensorShapes(pkg.manifest, testInput, testOutput);
        return { pkg, manifest: pkg.manifest, weightsSha256, testInput, testOutput };
      })();
      this.models.set(dir, pending);
      pending.catch(() => this.models.delete(dir));
    }
    return pending;
  }

  private forget(dir: string): void {
    this.models.delete(dir);
    for (const key of [...this.slowness.keys()]) if (key.startsWith(`${dir}\u0000`)) this.slowness.delete(key);
    for (const map of [this.sessions, this.choices] as Map<string, unknown>[]) {
      for (const key of [...map.keys()]) {
        if (!key.startsWith(`${dir}\u0000`)) continue;
        const value = map.get(key);
        map.delete(key);
        if (value instanceof Promise) void value.then((session: ort.InferenceSession) => session.release()).catch(() => undefined);
      }
    }
  }

  session(model: LoadedModel, provider: ProviderName): Promise<ort.InferenceSession> {
    const key = `${model.pkg.dir}\u0000${provider}`;
    let pending = this.sessions.get(key);
    if (!pending) {
      pending = ort.InferenceSession.create(model.pkg.modelPath, {
        executionProviders: [provider],
        graphOptimizationLevel: 'all',
        logSeverityLevel: 3,
      }).then((session) => {
        checkSessionSignature(model.manifest, session);
        return session;
      });
      this.sessions.set(key, pending);
      pending.catch(() => this.sessions.delete(key));
    }
    return pending;
  }

  async run(session: ort.InferenceSession, manifest: ModelManifest, data: Float32Array, dims: number[]): Promise<{ data: Float32Array; dims: number[] }> {
    const feeds = { [manifest.input.name]: new ort.Tensor('float32', data, dims) };
    const result = await session.run(feeds);
    const out = result[manifest.output.name];
    if (!out || out.type !== 'float32') throw new ModelPackageError('wrong-shape', `Model “${manifest.id}” did not return a float32 tensor named ${manifest.output.name}.`);
    const outData = out.data as Float32Array;
    const outDims = [...out.dims];
    out.dispose?.();
    return { data: outData, dims: outDims };
  }

  /** Runs the test tensor on one provider; resolves the output or rejects with the provider's error. */
  async runTestTensor(model: LoadedModel, provider: ProviderName): Promise<{ output: Float32Array; runMs: number }> {
    const session = await this.session(model, provider);
    const started = performance.now();
    const { data, dims } = await this.run(session, model.manifest, model.testInput.data.slice(), model.testInput.shape);
    if (dims.join('x') !== model.testOutput.shape.join('x')) {
      throw new ModelPackageError(
        'wrong-shape',
        `Model “${model.manifest.id}” returned a ${dims.join('×')} tensor for its test input; the manifest's test output is ${model.testOutput.shape.join('×')}.`,
      );
    }
    return { output: data, runMs: performance.now() - started };
  }

  private async attempt(model: LoadedModel, provider: ProviderName): Promise<ProviderAttempt & { output?: Float32Array }> {
    try {
      const { output, runMs } = await this.runTestTensor(model, provider);
      const diff = maxAbsDiff(output, model.testOutput.data);
      if (!(diff <= model.manifest.parityTolerance)) {
        const off = Number.isFinite(diff) ? `is off by ${diff.toExponential(2)}` : 'is not a number (NaN or infinity)';
        return {
          provider,
          status: 'failed',
          reason: `${PROVIDER_LABELS[provider]} ran, but its answer on the test tensor ${off} (tolerance ${model.manifest.parityTolerance}).`,
          maxAbsDiffVsExpected: Number.isFinite(diff) ? diff : null,
          runMs,
          output,
        };
      }
      return { provider, status: 'available', reason: null, maxAbsDiffVsExpected: diff, runMs, output };
    } catch (error) {
      if (error instanceof ModelPackageError) throw error;
      return { provider, status: 'failed', reason: `${PROVIDER_LABELS[provider]} could not run the model: ${errorText(error)}`, maxAbsDiffVsExpected: null, runMs: null };
    }
  }

  /**
   * A GPU provider that reproduces the test tensor but runs it much slower than the CPU is a software adapter
   * (Mesa's lavapipe behind WebGPU on a machine without a GPU, ~80× slower than the CPU here) or a device not
   * worth using; the automatic choice passes over it, with this sentence as the reason. Timed on warm sessions
   * (the first run compiles shaders), cached per model and provider. Null when the GPU is fast enough.
   */
  private async slowerThanCpu(model: LoadedModel, provider: ProviderName): Promise<string | null> {
    if (provider === 'cpu') return null;
    const key = `${model.pkg.dir}\u0000${provider}`;
    let pending = this.slowness.get(key);
    if (!pending) {
      pending = (async () => {
        try {
          await this.runTestTensor(model, 'cpu');
          const cpuMs = Math.min((await this.runTestTensor(model, 'cpu')).runMs, (await this.runTestTensor(model, 'cpu')).runMs);
          const gpuMs = Math.min((await this.runTestTensor(model, provider)).runMs, (await this.runTestTensor(model, provider)).runMs);
          if (gpuMs <= SLOW_GPU_FACTOR * cpuMs || gpuMs - cpuMs <= SLOW_GPU_MARGIN_MS) return null;
          return (
            `${PROVIDER_LABELS[provider]} reproduced the test tensor but ran it ${(gpuMs / cpuMs).toFixed(0)}× slower than the CPU ` +
            `(${gpuMs.toFixed(0)} ms vs ${cpuMs.toFixed(1)} ms), so runs use the CPU; this is typical of a software adapter. Choose ${PROVIDER_LABELS[provider]} explicitly to use it anyway.`
          );
        } catch {
          return null; // the CPU itself cannot run it: nothing to compare against, keep the GPU
        }
      })();
      this.slowness.set(key, pending);
    }
    return pending;
  }

  /**
   * The provider a model runs on: the user's override if given (no silent fallback — the person asked for it),
   * else the first rung of the ladder that loads and reproduces the test tensor. Cached per model.
   */
  async choose(model: LoadedModel, override?: ProviderName): Promise<ProviderChoice> {
    const key = `${model.pkg.dir}\u0000${override ?? 'auto'}`;
    const cached = this.choices.get(key);
    if (cached) return cached;
    const attempts: ProviderAttempt[] = [];
    let chosen: ProviderName | null = null;
    for (const rung of this.ladder()) {
      const wanted = override === undefined || override === rung.provider;
      if (chosen || !wanted) {
        attempts.push({ provider: rung.provider, status: 'skipped', reason: chosen ? `${PROVIDER_LABELS[chosen]} was chosen first.` : `Not requested (the run asked for ${PROVIDER_LABELS[override!]}).`, maxAbsDiffVsExpected: null, runMs: null });
        continue;
      }
      if (rung.skipReason) {
        attempts.push({ provider: rung.provider, status: 'skipped', reason: rung.skipReason, maxAbsDiffVsExpected: null, runMs: null });
        continue;
      }
      const { output: _output, ...result } = await this.attempt(model, rung.provider);
      attempts.push(result);
      if (result.status !== 'available') continue;
      // Only the automatic choice passes over a slow device; a person who asked for it gets it.
      const slow = override === undefined ? await this.slowerThanCpu(model, rung.provider) : null;
      if (slow) result.reason = slow;
      else {
        result.status = 'active';
        chosen = rung.provider;
      }
    }
    if (!chosen) {
      const tried = attempts.filter((a) => a.status === 'failed' || (override && a.provider === override));
      throw new ModelPackageError(
        'load-failed',
        `Model “${model.manifest.id}” could not run on ${override ? PROVIDER_LABELS[override] : 'any execution provider'}: ${tried.map((a) => a.reason).join(' ')}`,
      );
    }
    const choice = { provider: chosen, attempts };
    this.choices.set(key, choice);
    return choice;
  }

  /** Every rung, tried for real, and each GPU's answer compared against the CPU's on the test tensor. */
  async gpuCheck(model: LoadedModel): Promise<GpuCheckReport> {
    const attempts: (ProviderAttempt & { output?: Float32Array })[] = [];
    for (const rung of this.ladder()) {
      if (rung.skipReason) attempts.push({ provider: rung.provider, status: 'skipped', reason: rung.skipReason, maxAbsDiffVsExpected: null, runMs: null });
      else attempts.push(await this.attempt(model, rung.provider));
    }
    for (const a of attempts) {
      if (a.status !== 'available') continue;
      const slow = await this.slowerThanCpu(model, a.provider);
      if (slow) a.reason = slow;
      else {
        a.status = 'active';
        break;
      }
    }
    const cpu = attempts.find((a) => a.provider === 'cpu')?.output;
    const parity: ParityResult[] = [];
    for (const a of attempts) {
      if (a.provider === 'cpu' || !a.output || !cpu) continue;
      const d = maxAbsDiff(a.output, cpu);
      // null (not Infinity) for outputs that cannot be compared: the report travels as JSON to the browser host.
      parity.push({ provider: a.provider, maxAbsDiffVsCpu: Number.isFinite(d) ? d : null, tolerance: model.manifest.parityTolerance, pass: d <= model.manifest.parityTolerance });
    }
    return {
      modelId: model.manifest.id,
      modelVersion: model.manifest.version,
      providers: attempts.map(({ output: _o, ...rest }) => rest),
      parity,
    };
  }

  async release(): Promise<void> {
    const all = [...this.sessions.values()];
    this.sessions.clear();
    this.choices.clear();
    this.slowness.clear();
    this.models.clear();
    this.stamps.clear();
    await Promise.all(all.map((p) => p.then((s) => s.release()).catch(() => undefined)));
  }
}

/** Changes when any file of the package is replaced or edited (the package is a handful of files). */
async function filesStamp(dir: string): Promise<string> {
  const names = (await readdir(dir).catch(() => [] as string[])).sort();
  const parts: string[] = [];
  for (const name of names) {
    const st = await stat(path.join(dir, name)).catch(() => null);
    parts.push(`${name}:${st ? `${st.mtimeMs}:${st.size}` : '-'}`);
  }
  return parts.join('|');
}

function checkTestTensorShapes(manifest: ModelManifest, input: NpyArray, output: NpyArray): void {
  const inCh = manifest.input.channels.length;
  const outCh = manifest.output.channels.length;
  if (input.shape.length !== 4 || input.shape[1] !== inCh) {
    throw new ModelPackageError('wrong-shape', `The test input of “${manifest.id}” is ${input.shape.join('×')}; the manifest asks for N×${inCh}×H×W (${manifest.input.channels.join(', ')}).`);
  }
  const [, , h, w] = input.shape;
  const expected = [input.shape[0], outCh, h * manifest.scale, w * manifest.scale];
  if (output.shape.join('x') !== expected.join('x')) {
    throw new ModelPackageError('wrong-shape', `The test output of “${manifest.id}” is ${output.shape.join('×')}; with scale ${manifest.scale} and ${outCh} output channels it should be ${expected.join('×')}.`);
  }
}

/** The ONNX graph's own description of its input and output must agree with the manifest. */
function checkSessionSignature(manifest: ModelManifest, session: ort.InferenceSession): void {
  if (!session.inputNames.includes(manifest.input.name)) {
    throw new ModelPackageError('wrong-shape', `Model “${manifest.id}” has inputs ${session.inputNames.join(', ')}; the manifest names ${manifest.input.name}.`);
  }
  if (!session.outputNames.includes(manifest.output.name)) {
    throw new ModelPackageError('wrong-shape', `Model “${manifest.id}” has outputs ${session.outputNames.join(', ')}; the manifest names ${manifest.output.name}.`);
  }
  const meta = (session as { inputMetadata?: readonly unknown[] }).inputMetadata;
  const inMeta = meta?.find((m): m is { name: string; shape: readonly (number | string)[] } => (m as { name?: string }).name === manifest.input.name);
  const outMeta = (session as { outputMetadata?: readonly unknown[] }).outputMetadata?.find(
    (m): m is { name: string; shape: readonly (number | string)[] } => (m as { name?: string }).name === manifest.output.name,
  );
  const check = (what: string, shape: readonly (number | string)[] | undefined, channels: number) => {
    if (!shape) return;
    if (shape.length !== 4) throw new ModelPackageError('wrong-shape', `Model “${manifest.id}” has a ${shape.length}-dimensional ${what}; Lucida runs NCHW (4-dimensional) models.`);
    if (typeof shape[1] === 'number' && shape[1] !== channels) {
      throw new ModelPackageError('wrong-shape', `Model “${manifest.id}” takes ${shape[1]} ${what} channels; the manifest lists ${channels}.`);
    }
  };
  check('input', inMeta?.shape, manifest.input.channels.length);
  check('output', outMeta?.shape, manifest.output.channels.length);
}

/** True when the model's batch dimension is free, so tiles can be stacked into one run. */
export function batchDimensionIsDynamic(session: ort.InferenceSession, inputName: string): boolean {
  const meta = (session as { inputMetadata?: readonly { name: string; shape?: readonly (number | string)[] }[] }).inputMetadata;
  const shape = meta?.find((m) => m.name === inputName)?.shape;
  return !shape || typeof shape[0] !== 'number';
}
