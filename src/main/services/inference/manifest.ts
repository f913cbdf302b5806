/**
 * The model manifest (`resources/models/<id>/manifest.json`) as the inference engine relies on it. Unknown keys
 * are kept (`passthrough`): the ML side adds optics, training and metrics detail the engine does not read.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { readFile, stat } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';

export const MODEL_TASKS = ['brightfield-sr', 'smartphone-enhance', 'holo-phase-recovery'] as const;

const normalisationSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('none') }).passthrough(),
  z.object({ kind: z.literal('scale'), divisor: z.number().positive('The normalisation divisor must be positive.') }).passthrough(),
  // Per-image statistics, computed once over the whole image (never per tile, which would make seams).
  z
    .object({
      kind: z.literal('percentile'),
      lowPercentile: z.number().min(0).max(100),
      highPercentile: z.number().min(0).max(100),
    })
    .passthrough(),
  z.object({ kind: z.literal('mean-std') }).passthrough(),
]);
export type Normalisation = z.infer<typeof normalisationSchema>;

const fileName = z
  .string()
  .min(1)
  .refine((s) => !s.includes('/') && !s.includes('\\') && s !== '..' && s !== '.', 'A file named in the manifest must sit next to it (no folders).');

export const manifestSchema = z
  .object({
    id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/, 'A model id uses lower-case letters, digits and . _ -'),
    version: z.string().min(1),
    task: z.enum(MODEL_TASKS),
    file: fileName,
    sha256: z.string().regex(/^[a-f0-9]{64}$/, 'sha256 must be 64 lower-case hex digits.'),
    input: z
      .object({
        name: z.string().min(1),
        channels: z.array(z.string()).min(1),
        dtype: z.literal('float32'),
        layout: z.literal('NCHW'),
        normalisation: normalisationSchema,
      })
      .passthrough(),
    output: z
      .object({
        name: z.string().min(1),
        channels: z.array(z.object({ name: z.string(), meaning: z.string() }).passthrough()).min(1),
      })
      .passthrough(),
    scale: z.number().int().min(1).max(8),
    tile: z
      .object({
        size: z.number().int().positive(),
        halo: z.number().int().min(0),
        multiple: z.number().int().positive(),
        /** Optional raised-cosine band across tile seams, input px (see src/shared/tiling.ts). */
        blend: z.number().int().min(0).optional(),
      })
      .passthrough(),
    optics: z.unknown().optional(),
    training: z.unknown().optional(),
    metrics: z.unknown().optional(),
    testTensors: z.object({ input: fileName, output: fileName }).passthrough(),
    parityTolerance: z.number().positive(),
  })
  .passthrough();
export type ModelManifest = z.infer<typeof manifestSchema>;

/** A model problem a person can act on; `reason` lets callers and tests tell the cases apart. */
export class ModelPackageError extends Error {
  readonly reason: 'missing-file' | 'bad-json' | 'bad-manifest' | 'hash-mismatch' | 'wrong-shape' | 'test-mismatch' | 'load-failed';
  constructor(reason: ModelPackageError['reason'], message: string) {
    super(message);
    this.name = 'ModelPackageError';
    this.reason = reason;
  }
}

export interface ModelPackage {
  dir: string;
  manifest: ModelManifest;
  modelPath: string;
}

function describeIssues(error: z.ZodError): string {
  return error.issues
    .slice(0, 4)
    .map((i) => `${i.path.length ? i.path.join('.') : 'manifest'}: ${i.message}`)
    .join('; ');
}

export async function readManifest(dir: string): Promise<ModelPackage> {
  const manifestPath = path.join(dir, 'manifest.json');
  let text: string;
  try {
    text = await readFile(manifestPath, 'utf8');
  } catch {
    throw new ModelPackageError('missing-file', `The model folder ${dir} has no readable manifest.json.`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch (error) {
    throw new ModelPackageError('bad-json', `manifest.json in ${dir} is not valid JSON (${(error as Error).message}).`);
  }
  const parsed = manifestSchema.safeParse(json);
  if (!parsed.success) throw new ModelPackageError('bad-manifest', `manifest.json in ${dir} does not describe a model Lucida can run: ${describeIssues(parsed.error)}.`);
  const manifest = parsed.data;
  const modelPath = path.join(dir, manifest.file);
  for (const f of [manifest.file, manifest.testTensors.input, manifest.testTensors.output]) {
    try {
      await stat(path.join(dir, f));
    } catch {
      throw new ModelPackageError('missing-file', `Model “${manifest.id}” names ${f} in its manifest, but ${dir} has no such file.`);
    }
  }
  return { dir, manifest, modelPath };
}

export async function sha256File(file: string): Promise<string> {
  const hash = createHash('sha256');
  for await (const chunk of createReadStream(file)) hash.update(chunk as Buffer);
  return hash.digest('hex');
}

/** Refuses weights whose bytes are not the ones the manifest (and so the model card and metrics) describe. */
export async function verifyWeights(pkg: ModelPackage): Promise<string> {
  const actual = await sha256File(pkg.modelPath);
  if (actual !== pkg.manifest.sha256) {
    throw new ModelPackageError(
      'hash-mismatch',
      `The weights of model “${pkg.manifest.id}” ${pkg.manifest.version} do not match its manifest (sha256 ${actual.slice(0, 12)}…, expected ${pkg.manifest.sha256.slice(0, 12)}…); the file was changed or damaged. Reinstall the model.`,
    );
  }
  return actual;
}
