import { cp, mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AppError } from '../../../shared/errors';
import { createInferenceClient, forkSpawner, InferenceHostCrashed, toAppError, type InferenceClient } from './client';
import { ModelPackageError } from './manifest';
import { InferenceCancelled } from './tiled';

const HERE = __dirname;
const FIXTURES = path.resolve(HERE, '../../../../test-fixtures/models');
const XDG = path.join(os.tmpdir(), 'lucida-xdg');

/** The host straight from its TypeScript source, as the benchmark runs it (Node strips the types). */
function devSpawner() {
  return forkSpawner({
    modulePath: path.join(HERE, 'host-process.ts'),
    execArgv: ['--import', path.join(HERE, 'ts-hooks.mjs'), '--disable-warning=ExperimentalWarning', '--disable-warning=MODULE_TYPELESS_PACKAGE_JSON'],
    // WebGPU (Dawn on Vulkan) wants a runtime dir on Linux; a desktop session always has one.
    env: { ...process.env, XDG_RUNTIME_DIR: process.env.XDG_RUNTIME_DIR ?? XDG },
  });
}

function noise(n: number, seed = 3): Float32Array {
  const out = new Float32Array(n);
  let s = seed;
  for (let i = 0; i < n; i++) {
    s = (s * 1664525 + 1013904223) >>> 0;
    out[i] = s >>> 24;
  }
  return out;
}

let client: InferenceClient;
let tmp: string;
beforeAll(async () => {
  await mkdir(XDG, { recursive: true, mode: 0o700 });
  tmp = await mkdtemp(path.join(os.tmpdir(), 'lucida-client-'));
  client = createInferenceClient({ spawn: devSpawner(), config: { modelRoots: [FIXTURES, path.join(tmp, 'models')] }, log: () => {} });
});
afterAll(async () => {
  await client.close();
  await rm(tmp, { recursive: true, force: true });
});

const small = (w: number, h: number, seed = 3) => ({ kind: 'memory' as const, data: noise(w * h * 3, seed), widthPx: w, heightPx: h, channels: 3 });

describe('execution-provider ladder', () => {
  it('runs on the first provider that loads and reproduces the test tensor, and records why the others were skipped', async () => {
    const report = await client.gpuCheck('tiny-sr-x2');
    const webgpu = report.providers.find((p) => p.provider === 'webgpu')!;
    const result = await client.enhance({ modelId: 'tiny-sr-x2', input: small(40, 30), output: { kind: 'memory' }, tileSizePx: 32 });
    const expected = webgpu.status === 'active' ? 'webgpu' : 'cpu';
    expect(result.provenance.executionProvider).toBe(expected);
    const byProvider = Object.fromEntries(result.providerAttempts.map((a) => [a.provider, a]));
    if (process.platform === 'linux') {
      expect(byProvider.cuda).toMatchObject({ status: 'skipped' });
      expect(byProvider.cuda.reason).toMatch(/CUDA/);
      expect(byProvider.dml.reason).toMatch(/only available on Windows/);
      expect(byProvider.coreml.reason).toMatch(/only available on macOS/);
    }
    expect(byProvider[expected].status).toBe('active');
    if (expected === 'webgpu') expect(byProvider.cpu.reason).toMatch(/WebGPU was chosen first/);
  });

  it('honours an override to the CPU', async () => {
    const result = await client.enhance({ modelId: 'tiny-sr-x2', input: small(40, 30), output: { kind: 'memory' }, provider: 'cpu', tileSizePx: 32 });
    expect(result.provenance.executionProvider).toBe('cpu');
    expect(result.providerAttempts.find((a) => a.provider === 'webgpu')?.reason).toMatch(/Not requested/);
  });

  it('WebGPU agrees with the CPU on the test tensor and on a tiled image', async (ctx) => {
    const report = await client.gpuCheck('tiny-sr-x2');
    const webgpu = report.providers.find((p) => p.provider === 'webgpu')!;
    if (webgpu.status !== 'active' && webgpu.status !== 'available') ctx.skip(`WebGPU could not initialise here: ${webgpu.reason}`);
    const parity = report.parity.find((p) => p.provider === 'webgpu')!;
    console.log(`tiny-sr-x2: WebGPU vs CPU on the test tensor, max |Δ| = ${parity.maxAbsDiffVsCpu?.toExponential(2)} (tolerance ${parity.tolerance})`);
    expect(parity.pass).toBe(true);
    expect(parity.maxAbsDiffVsCpu).toBeLessThanOrEqual(1e-4);

    const input = small(70, 50, 11);
    const gpu = await client.enhance({ modelId: 'tiny-sr-x2', input, output: { kind: 'memory' }, provider: 'webgpu', tileSizePx: 32 });
    const cpu = await client.enhance({ modelId: 'tiny-sr-x2', input, output: { kind: 'memory' }, provider: 'cpu', tileSizePx: 32 });
    expect(gpu.provenance.executionProvider).toBe('webgpu');
    let d = 0;
    for (let i = 0; i < cpu.data!.length; i++) d = Math.max(d, Math.abs(cpu.data![i] - gpu.data![i]));
    console.log(`tiny-sr-x2 70×50 tiled: WebGPU (batches of ${Math.ceil(gpu.tiles / gpu.batches)}) vs CPU, max |Δ| = ${d.toExponential(2)}`);
    expect(d).toBeLessThanOrEqual(1e-4);
  }, 120_000);
});

describe('the host process', () => {
  it('stops a run when cancelled and keeps serving', async () => {
    const controller = new AbortController();
    const pid = client.pid;
    let tiles = 0;
    const run = client.enhance(
      { modelId: 'tiny-unet-x1', input: small(900, 700), output: { kind: 'memory' }, provider: 'cpu', tileSizePx: 64 },
      {
        signal: controller.signal,
        onProgress: (e) => {
          if (e.stage !== 'tiles') return;
          tiles = Math.max(tiles, e.done);
          if (e.done === 2) controller.abort();
        },
      },
    );
    await expect(run).rejects.toBeInstanceOf(InferenceCancelled);
    expect(tiles).toBeLessThan(20); // of 57 × 44 tiles
    expect(client.pid).toBe(pid);
    const after = await client.enhance({ modelId: 'tiny-sr-x2', input: small(20, 20), output: { kind: 'memory' }, provider: 'cpu' });
    expect(after.widthPx).toBe(40);
  });

  it('reports a crash in words and starts a fresh host on the next call', async () => {
    let firstPid = -1;
    const run = client.enhance(
      { modelId: 'tiny-unet-x1', input: small(900, 700), output: { kind: 'memory' }, provider: 'cpu', tileSizePx: 64 },
      {
        onProgress: (e) => {
          if (e.stage !== 'tiles' || e.done !== 1) return;
          firstPid = client.pid!;
          process.kill(firstPid, 'SIGKILL'); // what a native crash inside onnxruntime looks like from outside
        },
      },
    );
    const startsBefore = client.starts;
    const error = await run.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(InferenceHostCrashed);
    expect((error as Error).message).toMatch(/inference process stopped unexpectedly \(it was killed \(SIGKILL\)\) during enhancement with model “tiny-unet-x1”.*restarted/);
    expect(toAppError(error)).toMatchObject({ code: 'internal' });
    expect(client.pid).toBeUndefined();

    const again = await client.enhance({ modelId: 'tiny-sr-x2', input: small(20, 20), output: { kind: 'memory' }, provider: 'cpu' });
    expect(again.provenance.executionProvider).toBe('cpu');
    expect(client.starts).toBe(startsBefore + 1);
    expect(client.pid).not.toBe(firstPid);
  });

  it('passes model errors through with their reason, mapped to a contract error', async () => {
    const dir = path.join(tmp, 'models', 'tampered');
    await cp(path.join(FIXTURES, 'tiny-sr-x2'), dir, { recursive: true });
    const m = JSON.parse(await readFile(path.join(dir, 'manifest.json'), 'utf8'));
    await writeFile(path.join(dir, 'manifest.json'), JSON.stringify({ ...m, id: 'tampered', sha256: 'a'.repeat(64) }));
    const error = await client.enhance({ modelId: 'tampered', input: small(20, 20), output: { kind: 'memory' } }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(ModelPackageError);
    expect((error as ModelPackageError).reason).toBe('hash-mismatch');
    const app = toAppError(error);
    expect(app).toBeInstanceOf(AppError);
    expect(app?.toShape()).toMatchObject({ code: 'invalid-input', message: expect.stringMatching(/do not match its manifest/) });

    const missing = await client.enhance({ modelId: 'nope', input: small(20, 20), output: { kind: 'memory' } }).catch((e: unknown) => e);
    expect(toAppError(missing)?.code).toBe('not-found');

    const check = await client.validateModelPackage(dir);
    expect(check).toMatchObject({ valid: false, reason: 'hash-mismatch' });
  });

  it('gives the host back when idle, if asked, and starts it again on demand', async () => {
    const idle = createInferenceClient({ spawn: devSpawner(), config: { modelRoots: [FIXTURES] }, idleShutdownMs: 100, log: () => {} });
    await idle.ladder();
    expect(idle.pid).toBeDefined();
    await new Promise((r) => setTimeout(r, 400));
    expect(idle.pid).toBeUndefined();
    expect((await idle.ladder()).at(-1)?.provider).toBe('cpu');
    expect(idle.starts).toBe(2);
    await idle.close();
  });

  it('moves typed arrays intact over the process boundary', async () => {
    const input = await readFile(path.join(FIXTURES, 'tiny-sr-x2', 'input.npy'));
    expect(input.byteLength).toBeGreaterThan(0);
    const data = noise(3 * 8 * 8).map((v) => v / 255);
    const r = await client.runTensor('tiny-sr-x2', data, [1, 3, 8, 8], 'cpu');
    expect(r.dims).toEqual([1, 3, 16, 16]);
    expect(r.data).toBeInstanceOf(Float32Array);
  });
});
