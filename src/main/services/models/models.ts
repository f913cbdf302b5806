import fs from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import type { ModelSummary } from '../../../shared/contract';

/**
 * The part of a model's manifest.json this service relies on. Everything else (normalisation, I/O shapes, test
 * tensors) belongs to the inference service and passes through untouched in `manifest`.
 */
export const manifestSchema = z.looseObject({
  id: z.string().regex(/^[a-z0-9][a-z0-9._-]*$/i, 'id must be letters, digits, . _ -'),
  version: z.string().min(1),
  task: z.string().min(1),
  sha256: z.string().regex(/^[a-f0-9]{64}$/i, 'sha256 must be 64 hex digits'),
  scale: z.number().positive().optional(),
  file: z.string().min(1).optional(),
  metrics: z.unknown().optional(),
});
export type ModelManifest = z.infer<typeof manifestSchema>;

export interface ModelEntry extends ModelSummary {
  dir: string;
  modelFile: string;
}

/**
 * Lists models under `<resourcesDir>/models/<id>/`. A missing folder means no bundled models yet; a model whose
 * manifest is broken is skipped with a logged reason, so one bad package never hides the others.
 */
export function listModels(resourcesDir: string, log: (message: string) => void = () => undefined): ModelEntry[] {
  const root = path.join(resourcesDir, 'models');
  let entries: fs.Dirent[];
  try {
    entries = fs.readdirSync(root, { withFileTypes: true });
  } catch {
    return [];
  }
  const out: ModelEntry[] = [];
  for (const entry of entries.filter((e) => e.isDirectory()).sort((a, b) => a.name.localeCompare(b.name))) {
    const dir = path.join(root, entry.name);
    const result = readModel(dir);
    if ('skip' in result) {
      log(`[models] skipping ${entry.name}: ${result.skip}`);
      continue;
    }
    out.push(result);
  }
  return out;
}

function readModel(dir: string): ModelEntry | { skip: string } {
  const manifestFile = path.join(dir, 'manifest.json');
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(manifestFile, 'utf8'));
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    return { skip: code === 'ENOENT' ? 'no manifest.json' : `manifest.json is not valid JSON (${(error as Error).message})` };
  }
  const parsed = manifestSchema.safeParse(raw);
  if (!parsed.success) {
    return { skip: `manifest.json: ${parsed.error.issues.slice(0, 3).map((i) => `${i.path.join('.') || '(root)'} ${i.message}`).join('; ')}` };
  }
  const manifest = parsed.data;
  const modelFile = path.resolve(dir, manifest.file ?? 'model.onnx');
  if (!modelFile.startsWith(path.resolve(dir) + path.sep)) return { skip: 'file points outside the model folder' };
  let sizeBytes: number;
  try {
    sizeBytes = fs.statSync(modelFile).size;
  } catch {
    return { skip: `${path.basename(modelFile)} is missing` };
  }
  let card = '';
  try {
    card = fs.readFileSync(path.join(dir, 'MODEL_CARD.md'), 'utf8');
  } catch {
    // A card is expected, but a model without one still runs; the UI shows that the card is missing.
  }
  return {
    id: manifest.id,
    version: manifest.version,
    task: manifest.task,
    sha256: manifest.sha256.toLowerCase(),
    scale: manifest.scale ?? 1,
    sizeBytes,
    card,
    metrics: manifest.metrics ?? null,
    manifest: manifest as Record<string, unknown>,
    dir,
    modelFile,
  };
}
