/**
 * The command line's inference commands (`enhance`, `gpu-check`, `validate-model`), routed to the engine's
 * `runInferenceCommand` after the checks a person at a terminal needs: several inputs into one output folder,
 * and a readable refusal of a missing file before the inference host is started.
 */
import fs from 'node:fs';
import path from 'node:path';
import { optionValue, positionals } from '../cli-args';
import { INFERENCE_USAGE, runInferenceCommand, toAppError, type CommandIo, type InferenceClient } from '../inference';

export const ENHANCE_COMMANDS = ['enhance', 'gpu-check', 'validate-model'] as const;

export const CLI_INFERENCE_USAGE = `  enhance <image...> --model ID [--out DIR] [--provider cuda|dml|coreml|webgpu|cpu] [--tile PX] [--blend PX]
            run a model over images of any size; writes DIR/<name>.<model>.f32 (float32, HWC) and .f32.json
            (header + provenance) per image; DIR defaults to each image's folder
  gpu-check --model ID      try every execution provider on the model's test tensor, compare GPU with CPU
  validate-model <folder>   check a model package (manifest, weights hash, shapes, test tensor) before import`;

/** Resolves the exit code; errors the engine raises come back as their message on `io.err`. */
export async function runCliInference(command: string, args: string[], client: () => InferenceClient, io: CommandIo): Promise<number> {
  try {
    if (command !== 'enhance') return (await runInferenceCommand(command, args, client(), io)) ?? 2;
    const inputs = positionals(args);
    const modelId = optionValue(args, 'model');
    if (inputs.length === 0 || !modelId) {
      io.err(`Usage:\n${CLI_INFERENCE_USAGE}`);
      return 2;
    }
    for (const input of inputs) {
      const stat = fs.statSync(input, { throwIfNoEntry: false });
      if (!stat) {
        io.err(`lucida: ${input} does not exist.`);
        return 1;
      }
      if (!stat.isFile()) {
        io.err(`lucida: ${input} is not a file.`);
        return 1;
      }
    }
    const outDir = optionValue(args, 'out');
    if (outDir) fs.mkdirSync(outDir, { recursive: true });
    const passOn = ['provider', 'tile', 'blend'].flatMap((o) => (optionValue(args, o) !== undefined ? [`--${o}`, optionValue(args, o)!] : []));
    let failed = 0;
    for (const [i, input] of inputs.entries()) {
      if (inputs.length > 1) io.err(`[${i + 1}/${inputs.length}] ${input}`);
      const out = path.join(outDir ?? path.dirname(input), `${path.basename(input).replace(/\.[^.]+$/, '')}.${modelId}.f32`);
      try {
        const code = await runInferenceCommand('enhance', [input, '--model', modelId, '--out', out, ...passOn], client(), io);
        if (code === 130 || code === 2) return code ?? 1;
        if (code !== 0) failed++;
      } catch (error) {
        if (inputs.length === 1) throw error;
        failed++;
        io.err(`lucida: ${input}: ${messageOf(error)}`);
      }
    }
    return failed === 0 ? 0 : 1;
  } catch (error) {
    io.err(`lucida: ${messageOf(error)}`);
    return 1;
  }
}

function messageOf(error: unknown): string {
  const known = toAppError(error);
  if (known) return known.message;
  return (error instanceof Error ? error.message : String(error)).split('\n')[0];
}

export { INFERENCE_USAGE };
