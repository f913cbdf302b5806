/**
 * Enhancement as a service: one capture (`captures.enhance`) or a whole session (`sessions.enhanceAll`) through
 * the inference host, each result a float32 derivative under `derived/` with its provenance; the GPU check of a
 * model; and importing a user's model package into `<library>/models/<id>/` after the engine validated it.
 *
 * Stored values are the network's output unclipped (full float32 precision); the model's `output.clip`, when
 * its manifest has one, is recorded as the derivative's `displayWindow`, which the viewer uses as its default
 * window.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Capture, Derivative, EventName, EventPayload, JobProgress, Modality, Provenance } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import * as catalog from '../catalog';
import type { GpuCheckReport, InferenceClient, ProviderName } from '../inference';
import { toAppError } from '../inference/client';
import { readManifest } from '../inference/manifest';
import { InferenceCancelled } from '../inference/tiled';
import { fsyncDir, unlinkQuietly } from '../library/files';
import { relPathOf } from '../viewer/service';

export const ENHANCE_JOB_KIND = 'captures.enhance';
export const ENHANCE_ALL_JOB_KIND = 'sessions.enhanceAll';

/** The bundled model for each modality (by task), when the call names none. */
const TASK_FOR_MODALITY: Record<Modality, string | null> = {
  'bright-field': 'brightfield-sr',
  smartphone: 'smartphone-enhance',
  hologram: null,
};

export interface EnhanceDeps {
  db: catalog.Db;
  libraryDir: string;
  /** Folders holding `<id>/manifest.json`: bundled first, then the library's `models/`. */
  modelRoots: string[];
  record: (input: catalog.NewDerivative) => Promise<Derivative>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  inference: () => InferenceClient | null;
  log?: (message: string) => void;
}

export interface EnhanceCall {
  modelId?: string;
  provider?: ProviderName;
}

interface ModelChoice {
  id: string;
  dir: string;
  scale: number;
  clip: [number, number] | null;
}

interface Job {
  controller: AbortController;
  /** A session-wide job: cancel stops it after the current capture. */
  wholeSession: boolean;
  /** Enhance all: stop after the current capture. */
  stopAfterCurrent: boolean;
  done: Promise<void>;
}

class Stopped extends Error {}

export function createEnhanceService(deps: EnhanceDeps) {
  const { db } = deps;
  const log = deps.log ?? ((m: string) => console.error(m));
  const running = new Map<string, Job>();

  function client(): InferenceClient {
    const c = deps.inference();
    if (!c) throw new AppError('invalid-input', 'This Lucida runs no inference engine, so it cannot enhance images.');
    return c;
  }

  async function installedModels(): Promise<{ id: string; dir: string; task: string; scale: number; clip: [number, number] | null }[]> {
    const out: { id: string; dir: string; task: string; scale: number; clip: [number, number] | null }[] = [];
    const seen = new Set<string>();
    for (const root of deps.modelRoots) {
      let names: string[];
      try {
        names = (await fs.readdir(root, { withFileTypes: true })).filter((e) => e.isDirectory() && !e.name.startsWith('.')).map((e) => e.name).sort();
      } catch {
        continue;
      }
      for (const name of names) {
        try {
          const { manifest } = await readManifest(path.join(root, name));
          if (seen.has(manifest.id)) continue;
          seen.add(manifest.id);
          const clip = (manifest.output as { clip?: unknown }).clip;
          out.push({
            id: manifest.id,
            dir: path.join(root, name),
            task: manifest.task,
            scale: manifest.scale,
            clip: Array.isArray(clip) && clip.length === 2 && clip.every((v) => typeof v === 'number') ? [clip[0], clip[1]] : null,
          });
        } catch {
          // a broken package is listed (and explained) by models.list, never run
        }
      }
    }
    return out;
  }

  async function chooseModel(modality: Modality, modelId: string | undefined): Promise<ModelChoice> {
    const models = await installedModels();
    if (modelId !== undefined) {
      const m = models.find((x) => x.id === modelId);
      if (!m) throw new AppError('not-found', `No model “${modelId}” is installed; see Models for the ones that are.`);
      if (m.task === 'holo-phase-recovery') throw new AppError('invalid-input', `“${modelId}” reconstructs holograms; use Holography for it.`);
      return m;
    }
    const task = TASK_FOR_MODALITY[modality];
    if (task === null) throw new AppError('invalid-input', 'This is a hologram session: reconstruct its holograms in Holography (amplitude and phase) instead of enhancing them.');
    const m = models.find((x) => x.task === task);
    if (!m) throw new AppError('not-found', `No ${modality} enhancement model (task “${task}”) is installed.`);
    return m;
  }

  function sessionOf(capture: Capture) {
    return catalog.getSession(db, capture.sessionId);
  }

  /** Runs one capture; resolves the recorded derivative. The output appears under derived/ only when complete. */
  async function enhanceOne(
    capture: Capture,
    model: ModelChoice,
    provider: ProviderName | undefined,
    signal: AbortSignal,
    onFraction: (fraction: number, what: string) => void,
  ): Promise<Derivative> {
    const c = client();
    const rel = `derived/c${capture.id}/enhanced-${model.id}-${randomUUID().slice(0, 8)}.f32`;
    const target = path.join(deps.libraryDir, ...rel.split('/'));
    await fs.mkdir(path.dirname(target), { recursive: true });
    const started = performance.now();
    let written = false;
    try {
      const result = await c.enhance(
        {
          modelId: model.id,
          input: { kind: 'file', path: path.join(deps.libraryDir, ...relPathOf(capture.fileUrl).split('/')) },
          output: { kind: 'file', path: target },
          ...(provider ? { provider } : {}),
          tempDir: path.join(deps.libraryDir, '.staging'),
        },
        {
          signal,
          onProgress: (e) => {
            if (e.stage === 'tiles') onFraction(e.total > 0 ? e.done / e.total : 0, `tile ${e.done} of ${e.total}`);
            else onFraction(0, e.stage.replace('-', ' '));
          },
        },
      );
      written = true;
      await fsyncDir(path.dirname(target));
      const provenance: Provenance = { ...result.provenance, durationMs: result.provenance.durationMs ?? performance.now() - started };
      return await deps.record({
        captureId: capture.id,
        kind: 'enhanced',
        file: rel,
        width: result.widthPx,
        height: result.heightPx,
        dtype: 'float32',
        channels: result.channels,
        pixelSizeUm: capture.pixelSizeUm != null ? capture.pixelSizeUm / model.scale : null,
        provenance,
        params: {
          operation: 'enhance',
          modelId: model.id,
          scale: model.scale,
          channelNames: result.channelNames,
          layout: 'HWC',
          stored: 'unclipped float32',
          displayWindow: model.clip,
          tiles: result.tiles,
          batches: result.batches,
          modelMs: result.modelMs,
          providerAttempts: result.providerAttempts.map((a) => ({ provider: a.provider, status: a.status, reason: a.reason })),
          sourceSha256: capture.sha256,
        },
      });
    } catch (error) {
      // recordDerivative removes the data file when the row fails; the header beside it goes too.
      if (written) {
        await unlinkQuietly(target);
        await unlinkQuietly(`${target}.json`);
      }
      throw error;
    }
  }

  function startJob(kind: string, total: number, wholeSession: boolean, run: (job: Job, progress: JobProgress, send: () => void) => Promise<void>): { jobId: string } {
    const jobId = randomUUID();
    const controller = new AbortController();
    const progress: JobProgress = { jobId, kind, done: 0, total, current: null, state: 'running', failures: [], message: null };
    const send = () => deps.emit('job.progress', { ...progress, failures: [...progress.failures] });
    const job: Job = { controller, wholeSession, stopAfterCurrent: false, done: Promise.resolve() };
    job.done = (async () => {
      await new Promise<void>((resolve) => setImmediate(resolve));
      send();
      await run(job, progress, send);
    })()
      .catch((error: unknown) => log(`[enhance] job ${jobId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`))
      .finally(() => running.delete(jobId));
    running.set(jobId, job);
    return { jobId };
  }

  const describe = (error: unknown): string => {
    const known = error instanceof AppError ? error : toAppError(error);
    if (known) return known.message;
    log(`[enhance] ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
    return 'The enhancement failed inside Lucida; nothing was saved. Details are in the log.';
  };

  const PER_CAPTURE = 1000;

  async function enhance(input: { captureId: number } & EnhanceCall): Promise<{ jobId: string }> {
    const { capture } = catalog.getCapture(db, input.captureId);
    const model = await chooseModel(sessionOf(capture).modality, input.modelId);
    client();
    return startJob(ENHANCE_JOB_KIND, PER_CAPTURE, false, async (job, progress, send) => {
      progress.current = capture.originalName;
      try {
        const d = await enhanceOne(capture, model, input.provider, job.controller.signal, (f, what) => {
          progress.done = Math.min(PER_CAPTURE - 1, Math.round(f * PER_CAPTURE));
          progress.message = `${model.id}: ${what}`;
          send();
        });
        progress.done = PER_CAPTURE;
        progress.state = 'done';
        progress.message = `Enhanced with ${model.id} on ${d.provenance?.executionProvider ?? '?'} in ${((d.provenance?.durationMs ?? 0) / 1000).toFixed(1)} s (derived result ${d.id}).`;
      } catch (error) {
        if (error instanceof InferenceCancelled || job.controller.signal.aborted) {
          progress.state = 'cancelled';
          progress.message = 'Enhancement cancelled; nothing was saved.';
        } else {
          progress.state = 'failed';
          progress.message = describe(error);
          progress.failures = [{ name: capture.originalName, message: progress.message }];
        }
      }
      progress.current = null;
      send();
    });
  }

  async function enhanceAll(input: { sessionId: number } & EnhanceCall): Promise<{ jobId: string }> {
    const session = catalog.getSession(db, input.sessionId);
    const captures = catalog.listCaptures(db, input.sessionId);
    if (captures.length === 0) throw new AppError('invalid-input', `Session “${session.title}” has no captures to enhance.`);
    const model = await chooseModel(session.modality, input.modelId);
    client();
    return startJob(ENHANCE_ALL_JOB_KIND, captures.length * PER_CAPTURE, true, async (job, progress, send) => {
      let made = 0;
      try {
        for (const [i, capture] of captures.entries()) {
          if (job.stopAfterCurrent) throw new Stopped();
          progress.current = capture.originalName;
          progress.done = i * PER_CAPTURE;
          send();
          try {
            await enhanceOne(capture, model, input.provider, job.controller.signal, (f, what) => {
              progress.done = i * PER_CAPTURE + Math.min(PER_CAPTURE - 1, Math.round(f * PER_CAPTURE));
              progress.message = `Capture ${i + 1} of ${captures.length}: ${what}`;
              send();
            });
            made++;
          } catch (error) {
            if (error instanceof InferenceCancelled || job.controller.signal.aborted) throw new Stopped();
            progress.failures.push({ name: capture.originalName, message: describe(error) });
          }
          progress.done = (i + 1) * PER_CAPTURE;
          send();
        }
        progress.state = progress.failures.length === captures.length ? 'failed' : 'done';
        progress.message = `Enhanced ${made} of ${captures.length} capture(s) with ${model.id}${progress.failures.length ? `; ${progress.failures.length} failed` : ''}.`;
      } catch (error) {
        if (!(error instanceof Stopped)) throw error;
        progress.state = 'cancelled';
        progress.message = `Stopped after ${made} of ${captures.length} capture(s); the ones finished are kept.`;
      }
      progress.current = null;
      send();
    });
  }

  function cancel(jobId: string): boolean {
    const job = running.get(jobId);
    if (!job) return false;
    // Enhance all finishes the capture it is on; a single enhancement stops between tiles.
    if (job.controller.signal.aborted || job.stopAfterCurrent) return true;
    if (job.wholeSession) job.stopAfterCurrent = true;
    else job.controller.abort();
    return true;
  }

  async function gpuCheck(modelId: string): Promise<GpuCheckReport> {
    const models = await installedModels();
    if (!models.some((m) => m.id === modelId)) throw new AppError('not-found', `No model “${modelId}” is installed.`);
    try {
      return await client().gpuCheck(modelId);
    } catch (error) {
      throw toAppError(error) ?? error;
    }
  }

  /** Validates a model folder with the engine, then copies it to `<library>/models/<id>/` (temp name, rename). */
  async function importModel(sourceDir: string): Promise<{ id: string; dir: string }> {
    const dir = path.resolve(sourceDir);
    const stat = await fs.stat(dir).catch(() => null);
    if (!stat) throw new AppError('not-found', `${sourceDir} does not exist.`);
    if (!stat.isDirectory()) throw new AppError('invalid-input', `${sourceDir} is not a folder; a model package is a folder with manifest.json, model.onnx and test tensors.`);
    const result = await client().validateModelPackage(dir);
    if (!result.valid) throw new AppError('invalid-input', `Not imported: ${result.message}`);
    if ((await installedModels()).some((m) => m.id === result.id)) {
      throw new AppError('conflict', `A model “${result.id}” is already installed; remove it or give the new one another id.`);
    }
    const root = deps.modelRoots[deps.modelRoots.length - 1];
    await fs.mkdir(root, { recursive: true });
    const target = path.join(root, result.id);
    const temp = path.join(root, `.${result.id}.${randomUUID().slice(0, 8)}.partial`);
    try {
      await fs.cp(dir, temp, { recursive: true, errorOnExist: true, force: false });
      if (existsSync(target)) throw new AppError('conflict', `A model “${result.id}” is already installed.`);
      await fs.rename(temp, target);
      await fsyncDir(root);
    } catch (error) {
      await fs.rm(temp, { recursive: true, force: true });
      throw error;
    }
    return { id: result.id, dir: target };
  }

  return {
    enhance,
    enhanceAll,
    cancel,
    gpuCheck,
    importModel,
    get running() {
      return running.size;
    },
    idle: () => Promise.all([...running.values()].map((j) => j.done)).then(() => undefined),
    close: async () => {
      for (const job of running.values()) job.controller.abort();
      await Promise.all([...running.values()].map((j) => j.done));
    },
  };
}

export type EnhanceService = ReturnType<typeof createEnhanceService>;
