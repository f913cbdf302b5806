/**
 * The automatic provider choice passes over a GPU provider that reproduces the test tensor but runs it far slower
 * than the CPU (a software adapter such as Mesa's lavapipe behind WebGPU). Real sessions on a fixture model; only
 * the measured durations are shifted, because how fast this machine's adapter is cannot be chosen by a test.
 */
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { afterEach, describe, expect, it } from 'vitest';
import { ModelRuntime, type LoadedModel } from './sessions';
import type { ProviderName } from './providers';

const MODEL = path.resolve(__dirname, '../../../../test-fixtures/models/tiny-sr-x2');
const hasWebGpu = ort.listSupportedBackends().some((b) => b.name === 'webgpu');
const ladder = { platform: process.platform, arch: process.arch, backends: ort.listSupportedBackends(), bindingDir: null };

/** A runtime whose WebGPU runs are reported `extraMs` slower (or faster, negative) than they took. */
class ShiftedRuntime extends ModelRuntime {
  constructor(private readonly webgpuMs: (cpuMs: number) => number) {
    super(ladder);
  }
  private lastCpuMs = 1;
  override async runTestTensor(model: LoadedModel, provider: ProviderName) {
    const result = await super.runTestTensor(model, provider);
    if (provider === 'cpu') this.lastCpuMs = result.runMs;
    return provider === 'webgpu' ? { ...result, runMs: this.webgpuMs(this.lastCpuMs) } : result;
  }
}

let runtime: ModelRuntime | null = null;
afterEach(async () => {
  await runtime?.release();
  runtime = null;
});

describe.skipIf(!hasWebGpu)('automatic choice and slow GPU providers (needs the bundled WebGPU provider)', () => {
  it('uses the CPU when WebGPU is 80× slower, and says why on the WebGPU rung', async () => {
    runtime = new ShiftedRuntime((cpu) => 80 * cpu + 100);
    const model = await runtime.load(MODEL);
    const choice = await runtime.choose(model);
    const webgpu = choice.attempts.find((a) => a.provider === 'webgpu')!;
    if (webgpu.status === 'failed') return expect.fail(`WebGPU did not run here: ${webgpu.reason}`);
    expect(choice.provider).toBe('cpu');
    expect(webgpu.status).toBe('available');
    expect(webgpu.reason).toMatch(/slower than the CPU .* software adapter/);
    expect(choice.attempts.find((a) => a.provider === 'cpu')!.status).toBe('active');

    const report = await runtime.gpuCheck(model);
    expect(report.providers.find((p) => p.provider === 'cpu')!.status).toBe('active');
    expect(report.providers.find((p) => p.provider === 'webgpu')!.reason).toMatch(/slower than the CPU/);
  }, 120_000);

  it('keeps WebGPU when it is as fast as the CPU, and honours an explicit WebGPU request even when slow', async () => {
    runtime = new ShiftedRuntime((cpu) => cpu / 2);
    const fast = await runtime.choose(await runtime.load(MODEL));
    expect(fast.provider).toBe('webgpu');
    await runtime.release();

    runtime = new ShiftedRuntime((cpu) => 80 * cpu + 100);
    const asked = await runtime.choose(await runtime.load(MODEL), 'webgpu');
    expect(asked.provider).toBe('webgpu');
  }, 120_000);
});
