/**
 * The inference commands of the command line (`npm run lucida -- enhance …`), kept here so src/main/cli.ts only
 * routes to them. They talk to the inference host through a client, exactly as the app does.
 */
import path from 'node:path';
import { optionValue, positionals } from '../cli-args';
import type { InferenceClient } from './client';
import { isProviderName, PROVIDERS } from './providers';
import { InferenceCancelled } from './tiled';

export const INFERENCE_USAGE = `  enhance <image> --model ID [--out FILE] [--provider ${PROVIDERS.join('|')}] [--tile PX] [--blend PX]
            run a model over an image of any size; writes FILE (float32, HWC) and FILE.json (header + provenance)
  gpu-check --model ID      try every execution provider on the model's test tensor, compare GPU with CPU
  validate-model <folder>   check a model package (manifest, weights hash, shapes, test tensor) before import`;

export interface CommandIo {
  out: (line: string) => void;
  err: (line: string) => void;
  /** Aborted on Ctrl-C by the caller. */
  signal?: AbortSignal;
}

function wholeNumber(text: string | undefined, what: string): number | undefined {
  if (text === undefined) return undefined;
  const n = Number(text);
  if (!Number.isInteger(n) || n < 0) throw new Error(`${what} must be a whole number of pixels (got “${text}”).`);
  return n;
}

/** Runs `enhance`, `gpu-check` or `validate-model`; resolves the exit code, or null for another command. */
export async function runInferenceCommand(command: string, args: string[], client: InferenceClient, io: CommandIo): Promise<number | null> {
  if (command === 'enhance') {
    const [image] = positionals(args);
    const modelId = optionValue(args, 'model');
    if (!image || !modelId) {
      io.err(`Usage:\n${INFERENCE_USAGE}`);
      return 2;
    }
    const provider = optionValue(args, 'provider');
    if (provider !== undefined && !isProviderName(provider)) {
      io.err(`Unknown provider “${provider}”; use one of ${PROVIDERS.join(', ')}.`);
      return 2;
    }
    const out = path.resolve(optionValue(args, 'out') ?? `${image.replace(/\.[^./\\]+$/, '')}.${modelId}.f32`);
    let lastPct = -1;
    try {
      const result = await client.enhance(
        {
          modelId,
          input: { kind: 'file', path: path.resolve(image) },
          output: { kind: 'file', path: out },
          ...(provider ? { provider } : {}),
          tileSizePx: wholeNumber(optionValue(args, 'tile'), 'The tile size'),
          blendPx: wholeNumber(optionValue(args, 'blend'), 'The blend band'),
          tempDir: path.dirname(out),
        },
        {
          signal: io.signal,
          onProgress: (e) => {
            if (e.stage !== 'tiles') return;
            const pct = Math.floor((100 * e.done) / e.total);
            if (pct >= lastPct + 10 || e.done === e.total) {
              lastPct = pct;
              io.err(`  ${pct}% (${e.done}/${e.total} tiles)`);
            }
          },
        },
      );
      const p = result.provenance;
      io.out(`${out}: ${result.widthPx}×${result.heightPx}×${result.channels} float32 (${result.channelNames.join(', ')})`);
      io.out(`model ${p.modelId} ${p.modelVersion} (sha256 ${p.weightsSha256.slice(0, 12)}…) on ${p.executionProvider}, tile ${p.tileSize} px, halo ${p.tileHalo} px, ${((p.durationMs ?? 0) / 1000).toFixed(1)} s`);
      return 0;
    } catch (error) {
      if (error instanceof InferenceCancelled) {
        io.err('Cancelled; no output was written.');
        return 130;
      }
      throw error;
    }
  }
  if (command === 'gpu-check') {
    const modelId = optionValue(args, 'model') ?? positionals(args)[0];
    if (!modelId) {
      io.err(`Usage:\n${INFERENCE_USAGE}`);
      return 2;
    }
    const report = await client.gpuCheck(modelId, { signal: io.signal });
    io.out(`${report.modelId} ${report.modelVersion}`);
    for (const p of report.providers) {
      const detail = p.status === 'active' || p.status === 'available' ? `test tensor max |Δ| ${p.maxAbsDiffVsExpected?.toExponential(2)}, ${p.runMs?.toFixed(0)} ms${p.reason ? `. ${p.reason}` : ''}` : (p.reason ?? '');
      io.out(`  ${p.provider.padEnd(7)} ${p.status.padEnd(9)} ${detail}`);
    }
    for (const q of report.parity) io.out(`  parity ${q.provider} vs cpu: max |Δ| ${q.maxAbsDiffVsCpu?.toExponential(2) ?? 'not comparable'} (tolerance ${q.tolerance}) ${q.pass ? 'pass' : 'FAIL'}`);
    return report.parity.every((q) => q.pass) ? 0 : 1;
  }
  if (command === 'validate-model') {
    const [dir] = positionals(args);
    if (!dir) {
      io.err(`Usage:\n${INFERENCE_USAGE}`);
      return 2;
    }
    const result = await client.validateModelPackage(path.resolve(dir), { signal: io.signal });
    if (!result.valid) {
      io.err(result.message);
      return 1;
    }
    io.out(`${result.id} ${result.version} (${result.task}, ×${result.scale}) is valid: test tensor reproduced within ${result.maxAbsDiff.toExponential(2)} (tolerance ${result.tolerance}).`);
    return 0;
  }
  return null;
}
