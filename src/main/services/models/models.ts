import fs from 'node:fs/promises';
import path from 'node:path';
import type { ModelSummary } from '../../../shared/contract';
import { ModelPackageError, readManifest, type ModelManifest } from '../inference/manifest';

export interface ModelEntry extends ModelSummary {
  dir: string;
  modelFile: string;
}

/**
 * Lists models under `<resourcesDir>/models/<id>/`, validated with the inference engine's own manifest schema so
 * the list never offers a model the engine would refuse. A missing folder means no bundled models yet; a broken
 * package is skipped with a logged reason, so one bad model never hides the others. The weights are not hashed
 * here (that is the engine's check before a run); listing stays cheap enough to do on every call.
 */
export async function listModels(resourcesDir: string, log: (message: string) => void = () => undefined): Promise<ModelEntry[]> {
  const root = path.join(resourcesDir, 'models');
  let names: string[];
  try {
    const entries = await fs.readdir(root, { withFileTypes: true });
    names = entries.filter((e) => e.isDirectory()).map((e) => e.name).sort((a, b) => a.localeCompare(b));
  } catch {
    return [];
  }
  const out: ModelEntry[] = [];
  const seen = new Set<string>();
  for (const name of names) {
    const dir = path.join(root, name);
    try {
      const entry = await readModel(dir);
      if (seen.has(entry.id)) {
        log(`[models] skipping ${name}: another folder already provides model “${entry.id}”`);
        continue;
      }
      seen.add(entry.id);
      out.push(entry);
    } catch (error) {
      if (!(error instanceof ModelPackageError)) throw error;
      log(`[models] skipping ${name}: ${error.message}`);
    }
  }
  return out;
}

async function readModel(dir: string): Promise<ModelEntry> {
  const { manifest, modelPath } = await readManifest(dir);
  const { size } = await fs.stat(modelPath);
  // A model without a card still runs; the UI says the card is missing rather than hiding the model.
  const card = await fs.readFile(path.join(dir, 'MODEL_CARD.md'), 'utf8').catch(() => '');
  return {
    id: manifest.id,
    version: manifest.version,
    task: manifest.task,
    sha256: manifest.sha256,
    scale: manifest.scale,
    sizeBytes: size,
    card,
    metrics: manifest.metrics ?? null,
    manifest: manifest as ModelManifest & Record<string, unknown>,
    dir,
    modelFile: modelPath,
  };
}
