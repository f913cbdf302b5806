/**
 * Holographic reconstruction as a service: hologram optics on captures, simulated hologram captures, and
 * reconstruction jobs (autofocus → back-propagation → the holography network through the inference engine, or
 * multi-height retrieval) that end in float32 amplitude and phase derivatives with provenance. Every parameter
 * is checked before a job starts, so a bad call writes nothing; a cancelled or failed job records nothing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import fs from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { Worker } from 'node:worker_threads';
import {
  HOLOGRAPHY_Z_LIMITS_UM,
  type Capture,
  type Derivative,
  type EventName,
  type EventPayload,
  type FocusPoint,
  type HoloReconstructInput,
  type HoloReconstruction,
  type HologramInfo,
  type HolographyMethod,
  type JobProgress,
  type Provenance,
} from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { simulateHologram, simulateObject, type ComplexField } from '../../../shared/optics';
import * as catalog from '../catalog';
import type { InferenceClient } from '../inference';
import { toAppError } from '../inference/client';
import { InferenceCancelled } from '../inference/tiled';
import { commitFile, tempPathFor, unlinkQuietly, writeDurably } from '../library/files';
import { imageColumns, probeImage, renderThumbnail } from '../library/probe';
import { absPath, hologramPng, readHologram, stageFile, writeFloatTiff } from './io';
import {
  colourProblem,
  hologramParamsOf,
  mismatchedStackMessage,
  requireHologram,
  stackOf,
  stackProblem,
  writeHologramParams,
  type ParamsPatch,
} from './params';
import { amplitudePhase, backPropagate, fieldToHwc, hwcToField, multiHeight, searchFocus, type FocusSearch, type Optics } from './physics';
import type { PhysicsReply, PhysicsRequest } from './physics-worker';

export const DEFAULT_HOLOGRAPHY_MODEL = 'lucida-holo-phase';
export const JOB_KIND = 'holography.reconstruct';
const MIN_SIDE_PX = 16;
const MAX_SIDE_PX = 8192;
const CPU_MAX_TILE_PX = 3072;

export interface HolographyDeps {
  db: catalog.Db;
  libraryDir: string;
  /** The composition root's recordDerivative (file already under derived/, row after). */
  record: (input: catalog.NewDerivative) => Promise<Derivative>;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** The inference host client, started on first use; null when this host runs no inference engine. */
  inference: () => InferenceClient | null;
  /** Folders holding `<model id>/manifest.json` (as the inference engine's model roots). */
  modelRoots: string[];
  modelId?: string;
  appVersion: string;
  log?: (message: string) => void;
}

interface Plan {
  capture: Capture;
  method: HolographyMethod;
  optics: Optics;
  zUm: number | 'auto';
  zRangeUm: [number, number] | null;
  recordedZUm: number | null;
  stack: { capture: Capture; zUm: number }[];
  provider: HoloReconstructInput['provider'];
  iterations: number;
}

class Cancelled extends Error {}

export function createHolographyService(deps: HolographyDeps) {
  const { db } = deps;
  const log = deps.log ?? ((m: string) => console.error(m));
  const modelId = deps.modelId ?? DEFAULT_HOLOGRAPHY_MODEL;
  const running = new Map<string, { controller: AbortController; done: Promise<void> }>();

  const modelInstalled = () => deps.modelRoots.some((root) => existsSync(path.join(root, modelId, 'manifest.json')));

  function methodsOf(capture: Capture): HologramInfo['methods'] {
    // A colour image is no hologram for any method: every one is offered as unavailable, with the reason.
    const colour = colourProblem(capture);
    const stack = stackOf(db, capture);
    const networkReason =
      colour ??
      (!modelInstalled()
        ? `The holography network “${modelId}” is not installed.`
        : deps.inference() === null
          ? 'This Lucida runs no inference engine.'
          : null);
    const stackReason =
      colour ??
      (stack.length >= 2 ? stackProblem(stack) : 'Multi-height needs at least two captures of the same field (same field id) at recorded heights.');
    return [
      { method: 'network', available: networkReason === null, reason: networkReason },
      { method: 'backprop', available: colour === null, reason: colour },
      { method: 'multi-height', available: stackReason === null, reason: stackReason },
    ];
  }

  function info(captureId: number): HologramInfo {
    const capture = requireHologram(db, captureId);
    return {
      captureId,
      params: hologramParamsOf(capture),
      stack: stackOf(db, capture).map((s) => ({ captureId: s.capture.id, zUm: s.zUm })),
      methods: methodsOf(capture),
    };
  }

  function setParams(captureId: number, patch: ParamsPatch): HologramInfo {
    requireHologram(db, captureId);
    writeHologramParams(db, captureId, patch);
    deps.emit('catalog.changed', { entity: 'capture', id: captureId });
    return info(captureId);
  }

  /** Everything that can be wrong with a request, found before a job exists. */
  function plan(input: HoloReconstructInput): Plan {
    const capture = requireHologram(db, input.captureId);
    const colour = colourProblem(capture);
    if (colour) throw new AppError('invalid-input', colour);
    const recorded = hologramParamsOf(capture);
    const missing = (what: string, field: string) =>
      new AppError('invalid-input', `The ${what} of capture ${capture.id} is not known; give ${field} in the call or record it with holography.setParams.`);
    const wavelengthNm = input.wavelengthNm ?? recorded.wavelengthNm;
    const pixelSizeUm = input.pixelSizeUm ?? recorded.pixelSizeUm;
    const refractiveIndex = input.refractiveIndex ?? recorded.refractiveIndex ?? 1;
    if (wavelengthNm === null) throw missing('wavelength', 'wavelengthNm');
    if (pixelSizeUm === null) throw missing('pixel size', 'pixelSizeUm');
    if (capture.width < MIN_SIDE_PX || capture.height < MIN_SIDE_PX || capture.width > MAX_SIDE_PX || capture.height > MAX_SIDE_PX) {
      throw new AppError('invalid-input', `Capture ${capture.id} is ${capture.width}×${capture.height} px; holograms from ${MIN_SIDE_PX} to ${MAX_SIDE_PX} px a side can be reconstructed.`);
    }
    let zRangeUm: [number, number] | null = input.zRangeUm ?? null;
    if (input.zUm === 'auto' && !zRangeUm) {
      if (recorded.zUm === null) throw new AppError('invalid-input', 'Autofocus needs a z range (zRangeUm) when the capture has no recorded z.');
      zRangeUm = [Math.max(HOLOGRAPHY_Z_LIMITS_UM.min, recorded.zUm * 0.5), Math.min(HOLOGRAPHY_Z_LIMITS_UM.max, recorded.zUm * 1.5)];
    }
    // The angular spectrum of a sensor of N pixels is sampled at 1/(N·dx); past z = N·dx²·n/λ the propagation
    // kernel aliases even on the padded grid, so such a z is refused rather than silently wrong.
    const zMaxUm = (2 * Math.max(capture.width, capture.height) * pixelSizeUm * pixelSizeUm * refractiveIndex) / (wavelengthNm * 1e-3);
    const zFar = input.zUm === 'auto' ? zRangeUm![1] : input.zUm;
    if (zFar > Math.max(zMaxUm, 1) * 4) {
      throw new AppError(
        'invalid-input',
        `z = ${Math.round(zFar)} µm is out of range for this hologram: with ${capture.width} px of ${pixelSizeUm} µm at ${wavelengthNm} nm, the field can be propagated up to about ${Math.round(zMaxUm * 4)} µm.`,
      );
    }
    const stack = stackOf(db, capture);
    if (input.method === 'multi-height') {
      if (stack.length < 2) throw new AppError('invalid-input', `Capture ${capture.id} has no multi-height stack: it needs other captures of the same field id at recorded heights.`);
      if (recorded.zUm === null) throw new AppError('invalid-input', `Capture ${capture.id} has no recorded z, so its place in the stack is unknown.`);
      const problem = stackProblem(stack);
      if (problem) throw new AppError('invalid-input', problem);
    }
    if (input.method === 'network') {
      const reason = methodsOf(capture).find((m) => m.method === 'network')!.reason;
      if (reason) throw new AppError('invalid-input', `The network method cannot run: ${reason}`);
    }
    return {
      capture,
      method: input.method,
      optics: { wavelengthNm, pixelSizeUm, refractiveIndex },
      zUm: input.zUm,
      zRangeUm,
      recordedZUm: recorded.zUm,
      stack,
      provider: input.provider,
      iterations: input.iterations ?? 10,
    };
  }

  const physics = createPhysicsRunner(log);

  function reconstruct(input: HoloReconstructInput): { jobId: string } {
    const p = plan(input);
    const jobId = randomUUID();
    const controller = new AbortController();
    const done = runJob(jobId, p, controller.signal).finally(() => running.delete(jobId));
    running.set(jobId, { controller, done });
    return { jobId };
  }

  async function runJob(jobId: string, p: Plan, signal: AbortSignal): Promise<void> {
    const stages = ['reading', ...(p.zUm === 'auto' ? ['autofocus'] : []), p.method === 'multi-height' ? 'multi-height retrieval' : 'back-propagation', ...(p.method === 'network' ? ['network'] : []), 'writing'];
    const progress: JobProgress = { jobId, kind: JOB_KIND, done: 0, total: stages.length, current: stages[0], state: 'running', failures: [], message: null };
    const send = () => deps.emit('job.progress', { ...progress, failures: [...progress.failures] });
    const stage = (name: string) => {
      if (signal.aborted) throw new Cancelled();
      progress.done = stages.indexOf(name);
      progress.current = name;
      progress.message = null;
      send();
    };
    const check = () => {
      if (signal.aborted) throw new Cancelled();
    };
    const started = performance.now();
    send();
    const written: string[] = [];
    try {
      await new Promise<void>((resolve) => setImmediate(resolve));
      stage('reading');
      const capture = p.capture;
      const holo = await readHologram(absPath(deps.libraryDir, relOf(capture.fileUrl)), capture.originalName);
      let zUm: number;
      let focusCurve: FocusPoint[] | null = null;
      if (p.zUm === 'auto') {
        stage('autofocus');
        const found = await physics.focus(
          { op: 'focus', hologram: holo.data, widthPx: holo.widthPx, heightPx: holo.heightPx, optics: p.optics, zMinUm: p.zRangeUm![0], zMaxUm: p.zRangeUm![1] },
          signal,
          (d, t) => {
            progress.message = `Focus plane ${d} of ${t}`;
            send();
          },
        );
        zUm = found.zUm;
        focusCurve = found.curve;
      } else zUm = p.zUm;

      let field: ComplexField;
      let provenance: Provenance;
      const extra: Record<string, unknown> = {};
      let heightsUm: number[] | null = null;
      let stackIds: number[] | null = null;
      if (p.method === 'multi-height') {
        stage('multi-height retrieval');
        // This capture first: retrieval registers every height to the first and returns its object plane.
        const others = p.stack.filter((s) => s.capture.id !== capture.id);
        const holograms = [holo.data];
        for (const s of others) {
          check();
          const other = await readHologram(absPath(deps.libraryDir, relOf(s.capture.fileUrl)), s.capture.originalName);
          // The catalog's sizes were checked before the job; the files must agree (a replaced file is refused too).
          if (other.widthPx !== holo.widthPx || other.heightPx !== holo.heightPx) {
            throw new AppError(
              'invalid-input',
              mismatchedStackMessage(hologramParamsOf(capture).fieldId, [
                { name: capture.originalName, widthPx: holo.widthPx, heightPx: holo.heightPx },
                { name: s.capture.originalName, widthPx: other.widthPx, heightPx: other.heightPx },
              ]),
            );
          }
          holograms.push(other.data);
        }
        // An autofocused z moves the whole stack: the recorded heights keep their spacing.
        const shift = zUm - p.recordedZUm!;
        heightsUm = [zUm, ...others.map((s) => s.zUm + shift)];
        stackIds = [capture.id, ...others.map((s) => s.capture.id)];
        field = await physics.field({ op: 'multi-height', holograms, widthPx: holo.widthPx, heightPx: holo.heightPx, optics: p.optics, heightsUm, iterations: p.iterations }, signal);
        provenance = physicsProvenance('physics:multi-height-retrieval', performance.now() - started);
        Object.assign(extra, { iterations: p.iterations, padding: 'mean', registration: 'phase correlation' });
      } else {
        stage('back-propagation');
        field = await physics.field({ op: 'backprop', hologram: holo.data, widthPx: holo.widthPx, heightPx: holo.heightPx, optics: p.optics, zUm }, signal);
        provenance = physicsProvenance('physics:angular-spectrum-back-propagation', performance.now() - started);
        Object.assign(extra, { padding: 'mean', bandLimit: true });
        if (p.method === 'network') {
          stage('network');
          const net = await runNetwork(field, p, signal, (d, t) => {
            progress.message = `Tile ${d} of ${t}`;
            send();
          });
          field = net.field;
          provenance = { ...net.provenance, durationMs: performance.now() - started };
          Object.assign(extra, { networkMs: net.provenance.durationMs, networkInput: 'back-propagated field [re, im] / background amplitude' });
        }
      }

      stage('writing');
      const { amplitude, phaseRad } = amplitudePhase(field);
      const reconstructionId = randomUUID();
      const stem = `holo-${reconstructionId.slice(0, 8)}-${p.method}`;
      const durationMs = performance.now() - started;
      provenance = { ...provenance, durationMs };
      const params = {
        operation: 'holography',
        reconstructionId,
        method: p.method,
        zUm,
        autofocus: p.zUm === 'auto',
        zRangeUm: p.zRangeUm,
        focusCurve,
        ...p.optics,
        heightsUm,
        stackCaptureIds: stackIds,
        durationMs,
        ...extra,
      };
      const ampRel = await writeFloatTiff(deps.libraryDir, capture.id, `${stem}-amplitude.tif`, holo.widthPx, holo.heightPx, amplitude);
      written.push(ampRel);
      const phaseRel = await writeFloatTiff(deps.libraryDir, capture.id, `${stem}-phase.tif`, holo.widthPx, holo.heightPx, phaseRad);
      written.push(phaseRel);
      // Past this point the result is kept even if a cancel arrives: both files are whole and durable.
      const common = { captureId: capture.id, width: holo.widthPx, height: holo.heightPx, dtype: 'float32', channels: 1, pixelSizeUm: p.optics.pixelSizeUm, provenance };
      const amp = await deps.record({ ...common, kind: 'amplitude', file: ampRel, params: { ...params, unit: 'a.u. (background = 1)' } });
      written.shift();
      try {
        await deps.record({ ...common, kind: 'phase', file: phaseRel, params: { ...params, unit: 'rad' } });
      } catch (error) {
        // Half a reconstruction is not a result: the amplitude row and file go too.
        db.prepare('DELETE FROM derivatives WHERE id = ?').run(amp.id);
        written.push(ampRel);
        throw error;
      }
      written.length = 0;
      progress.done = progress.total;
      progress.current = null;
      progress.state = 'done';
      progress.message = `Reconstructed at z = ${zUm.toFixed(1)} µm (${p.method}) in ${(durationMs / 1000).toFixed(1)} s.`;
      send();
    } catch (error) {
      for (const rel of written) await unlinkQuietly(absPath(deps.libraryDir, rel));
      progress.current = null;
      if (error instanceof Cancelled || error instanceof InferenceCancelled || signal.aborted) {
        progress.state = 'cancelled';
        progress.message = 'Reconstruction cancelled; nothing was saved.';
      } else {
        const known = error instanceof AppError ? error : toAppError(error);
        if (!known) log(`[holography] reconstruction of capture ${p.capture.id} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        progress.state = 'failed';
        progress.message = known ? known.message : 'The reconstruction failed inside Lucida; nothing was saved. Details are in the log.';
        progress.failures = [{ name: p.capture.originalName, message: progress.message }];
      }
      send();
    }
  }

  function physicsProvenance(kind: string, durationMs: number): Provenance {
    return {
      modelId: kind,
      modelVersion: `lucida-optics ${deps.appVersion}`,
      weightsSha256: 'none (physics, no network)',
      executionProvider: `cpu (TypeScript, ${physics.where})`,
      tileSize: null,
      tileHalo: null,
      durationMs,
    };
  }

  async function runNetwork(
    field: ComplexField,
    p: Plan,
    signal: AbortSignal,
    onTiles: (done: number, total: number) => void,
  ): Promise<{ field: ComplexField; provenance: Provenance }> {
    const client = deps.inference();
    if (!client) throw new AppError('invalid-input', 'This Lucida runs no inference engine, so the network method cannot run.');
    // Pixels travel to the inference host as files, never inline: a 2048² field is 32 MB of float32.
    const dir = await fs.mkdtemp(path.join(os.tmpdir(), 'lucida-holo-'));
    try {
      const inputFile = path.join(dir, 'input.f32');
      const outputFile = path.join(dir, 'output.f32');
      const hwc = fieldToHwc(field);
      await fs.writeFile(inputFile, Buffer.from(hwc.buffer, hwc.byteOffset, hwc.byteLength));
      const result = await client.enhance(
        {
          modelId,
          input: { kind: 'raw', path: inputFile, widthPx: field.width, heightPx: field.height, channels: 2, sampleType: 'float32' },
          output: { kind: 'file', path: outputFile },
          ...(p.provider ? { provider: p.provider } : {}),
          ...(p.provider === 'cpu' ? wholeFieldTile(field.width, field.height) : {}),
        },
        { signal, onProgress: (e) => (e.stage === 'tiles' ? onTiles(e.done, e.total) : undefined) },
      );
      if (result.channels !== 2 || result.widthPx !== field.width || result.heightPx !== field.height) {
        throw new AppError('invalid-input', `Model “${modelId}” returned ${result.widthPx}×${result.heightPx}×${result.channels}; a holography network must return the ${field.width}×${field.height} field as [re, im].`);
      }
      const bytes = await fs.readFile(outputFile);
      const out = new Float32Array(bytes.buffer, bytes.byteOffset, bytes.byteLength / 4);
      return { field: hwcToField(out, field.width, field.height), provenance: result.provenance };
    } finally {
      await fs.rm(dir, { recursive: true, force: true });
    }
  }

  /**
   * On the CPU one tile covering the whole field (plus the model's halo) is several times faster than the
   * manifest's tile, which is sized for GPU memory: a 1280 px tile with a 320 px halo computes every pixel ≈ 4×.
   * Tiled and untiled outputs are equal, so only the time changes. Capped (a 2048² field with its halo fits) so a
   * huge field still tiles.
   */
  function wholeFieldTile(widthPx: number, heightPx: number): { tileSizePx?: number } {
    for (const root of deps.modelRoots) {
      try {
        const manifest = JSON.parse(readFileSync(path.join(root, modelId, 'manifest.json'), 'utf8')) as { tile?: { halo?: number; multiple?: number } };
        const halo = manifest.tile?.halo ?? 0;
        const multiple = Math.max(1, manifest.tile?.multiple ?? 1);
        const side = Math.ceil((Math.max(widthPx, heightPx) + 2 * halo) / multiple) * multiple;
        return side <= CPU_MAX_TILE_PX ? { tileSizePx: side } : {};
      } catch {
        // not in this root
      }
    }
    return {};
  }

  function results(captureId: number): HoloReconstruction[] {
    const { derivatives } = catalog.getCapture(db, captureId);
    const rows = db.prepare('SELECT id, params FROM derivatives WHERE capture_id = ?').all(captureId) as { id: number; params: string | null }[];
    const paramsById = new Map<number, Record<string, unknown>>();
    for (const r of rows) {
      try {
        const parsed: unknown = JSON.parse(r.params ?? '{}');
        if (parsed && typeof parsed === 'object' && (parsed as { operation?: unknown }).operation === 'holography') paramsById.set(r.id, parsed as Record<string, unknown>);
      } catch {
        // not ours
      }
    }
    const groups = new Map<string, { amplitude?: Derivative; phase?: Derivative; params: Record<string, unknown> }>();
    for (const d of derivatives) {
      const params = paramsById.get(d.id);
      if (!params || typeof params.reconstructionId !== 'string') continue;
      const g = groups.get(params.reconstructionId) ?? { params };
      if (d.kind === 'amplitude') g.amplitude = d;
      if (d.kind === 'phase') g.phase = d;
      groups.set(params.reconstructionId, g);
    }
    const num = (v: unknown) => (typeof v === 'number' ? v : 0);
    const out: HoloReconstruction[] = [];
    for (const [rid, g] of groups) {
      if (!g.amplitude || !g.phase) continue;
      const q = g.params;
      out.push({
        id: rid,
        captureId,
        method: q.method as HolographyMethod,
        zUm: num(q.zUm),
        autofocus: q.autofocus === true,
        focusCurve: Array.isArray(q.focusCurve) ? (q.focusCurve as FocusPoint[]) : null,
        wavelengthNm: num(q.wavelengthNm),
        pixelSizeUm: num(q.pixelSizeUm),
        refractiveIndex: num(q.refractiveIndex),
        heightsUm: Array.isArray(q.heightsUm) ? (q.heightsUm as number[]) : null,
        stackCaptureIds: Array.isArray(q.stackCaptureIds) ? (q.stackCaptureIds as number[]) : null,
        amplitude: g.amplitude,
        phase: g.phase,
        durationMs: num(q.durationMs),
        createdAt: g.amplitude.createdAt,
      });
    }
    return out.sort((a, b) => (a.createdAt < b.createdAt ? 1 : a.createdAt > b.createdAt ? -1 : b.amplitude.id - a.amplitude.id));
  }

  /** Simulated holograms of one random cell field, one capture per height, 16-bit PNG, with their optics recorded. */
  async function simulate(input: {
    sessionId: number;
    sizePx: number;
    heightsUm: number[];
    wavelengthNm: number;
    pixelSizeUm: number;
    refractiveIndex: number;
    seed?: number;
  }): Promise<Capture[]> {
    const session = catalog.getSession(db, input.sessionId);
    if (session.modality !== 'hologram') {
      throw new AppError('invalid-input', `Session “${session.title}” is a ${session.modality} session; simulated holograms go into a hologram session.`);
    }
    const seed = input.seed ?? Math.floor(Math.random() * 2 ** 31);
    const optics = { wavelengthNm: input.wavelengthNm, pixelSizeUm: input.pixelSizeUm, refractiveIndex: input.refractiveIndex };
    // Thin adherent cells, sparse (≈ 6 per 143 µm square, peak phase 0.2–1.5 rad): the regime in-line holography
    // and its sparsity-based autofocus are made for; dense, 2π-thick cells bias autofocus towards the twin image.
    const cellCount = Math.max(1, Math.round((6 * input.sizePx * input.sizePx) / (128 * 128)));
    const object = simulateObject({ width: input.sizePx, height: input.sizePx, pixelSizeUm: input.pixelSizeUm, seed, cellCount, phaseRangeRad: [0.2, 1.5] });
    const fieldId = input.heightsUm.length > 1 ? `sim-${seed}-${randomUUID().slice(0, 8)}` : null;
    const ids: number[] = [];
    for (const [k, zUm] of input.heightsUm.entries()) {
      const intensity = simulateHologram(object.field, { ...optics, zUm, noise: { seed: seed + 7919 * k, photonsAtBackground: 5000, readNoiseSigma: 0.003 } });
      const name = `simulated-hologram-${seed}-z${Math.round(zUm)}um.png`;
      const png = await hologramPng(intensity, input.sizePx, input.sizePx);
      ids.push(await addCapture(input.sessionId, name, png, { wavelengthNm: input.wavelengthNm, pixelSizeUm: input.pixelSizeUm, refractiveIndex: input.refractiveIndex, zUm, ...(fieldId ? { fieldId } : {}), simulated: { seed, cells: object.cells.length } }));
      await new Promise<void>((resolve) => setImmediate(resolve));
    }
    deps.emit('catalog.changed', { entity: 'session', id: input.sessionId });
    return ids.map((id) => catalog.getCapture(db, id).capture);
  }

  /** Files before the row: image and thumbnail renamed into place with fsyncs, then the capture row commits. */
  async function addCapture(sessionId: number, name: string, png: Buffer, holography: Record<string, unknown>): Promise<number> {
    const key = randomUUID();
    const imageRel = `images/s${sessionId}/${key}.png`;
    const thumbRel = `thumbs/s${sessionId}/${key}.png`;
    const staged = await stageFile(deps.libraryDir, png, `${key}.png`);
    const committed: string[] = [];
    let tempThumb: string | null = null;
    try {
      const info = await probeImage(staged, name);
      const thumb = await renderThumbnail(staged, info);
      await fs.mkdir(path.dirname(absPath(deps.libraryDir, imageRel)), { recursive: true });
      await fs.mkdir(path.dirname(absPath(deps.libraryDir, thumbRel)), { recursive: true });
      tempThumb = tempPathFor(absPath(deps.libraryDir, thumbRel));
      await writeDurably(tempThumb, thumb);
      await commitFile(staged, absPath(deps.libraryDir, imageRel));
      committed.push(imageRel);
      await commitFile(tempThumb, absPath(deps.libraryDir, thumbRel));
      committed.push(thumbRel);
      return catalog.insertCapture(db, {
        sessionId,
        file: imageRel,
        thumbnail: thumbRel,
        sha256: createHash('sha256').update(png).digest('hex'),
        byteSize: png.length,
        originalName: name,
        ...imageColumns(info),
        capturedAt: new Date().toISOString(),
        metadata: { ...info.metadata, holography },
        tags: ['simulated'],
      });
    } catch (error) {
      await unlinkQuietly(staged);
      if (tempThumb) await unlinkQuietly(tempThumb);
      for (const rel of committed) await unlinkQuietly(absPath(deps.libraryDir, rel));
      throw error;
    }
  }

  return {
    info,
    setParams,
    simulate,
    reconstruct,
    results,
    /** True when the job was a running reconstruction (it stops at its next stage boundary and records nothing). */
    cancel(jobId: string): boolean {
      const job = running.get(jobId);
      if (!job) return false;
      job.controller.abort();
      return true;
    },
    get running(): number {
      return running.size;
    },
    async idle(): Promise<void> {
      while (running.size > 0) await Promise.all([...running.values()].map((j) => j.done.catch(() => undefined)));
    },
    async close(): Promise<void> {
      for (const job of running.values()) job.controller.abort();
      await this.idle();
    },
  };
}

export type HolographyService = ReturnType<typeof createHolographyService>;

/** Where the physics worker is: the built `holographyWorker.js` beside the bundle, or this folder's source under tests. */
function physicsWorkerEntry(): { file: string; execArgv: string[] } | null {
  const here = typeof __dirname === 'string' ? __dirname : path.dirname(fileURLToPath(import.meta.url));
  // The bundler may put this code in out/main/chunks/, one level below the entries.
  for (const dir of [here, path.dirname(here)]) {
    const built = path.join(dir, 'holographyWorker.js');
    if (existsSync(built)) return { file: built, execArgv: [] };
  }
  const source = path.join(here, 'physics-worker.ts');
  const hooks = path.join(here, '../inference/ts-hooks.mjs');
  if (existsSync(source) && existsSync(hooks)) return { file: source, execArgv: ['--import', hooks, '--disable-warning=ExperimentalWarning'] };
  return null;
}

/**
 * Runs one physics stage in a worker thread (cancel = terminate, at once), or in this thread when no worker
 * entry exists (a build without it): then the stage blocks the loop and a cancel waits for its end.
 */
function createPhysicsRunner(log: (message: string) => void) {
  const entry = physicsWorkerEntry();
  if (!entry) log('[holography] no physics worker found; reconstructions run on the main thread.');

  function inWorker(request: PhysicsRequest, signal: AbortSignal, onProgress?: (done: number, total: number) => void): Promise<PhysicsReply> {
    return new Promise((resolve, reject) => {
      if (signal.aborted) return reject(new Cancelled());
      const worker = new Worker(entry!.file, { execArgv: entry!.execArgv });
      let settled = false;
      const finish = (action: () => void) => {
        if (settled) return;
        settled = true;
        signal.removeEventListener('abort', onAbort);
        void worker.terminate();
        action();
      };
      const onAbort = () => finish(() => reject(new Cancelled()));
      signal.addEventListener('abort', onAbort, { once: true });
      worker.on('message', (reply: PhysicsReply) => {
        if (reply.type === 'progress') onProgress?.(reply.done, reply.total);
        else if (reply.type === 'error') finish(() => reject(new Error(reply.message)));
        else finish(() => resolve(reply));
      });
      worker.on('error', (error) => finish(() => reject(error)));
      worker.on('exit', (code) => finish(() => reject(new Error(`The holography worker stopped (exit code ${code}).`))));
      worker.postMessage(request);
    });
  }

  return {
    where: entry ? 'worker thread' : 'main thread',
    async focus(request: Extract<PhysicsRequest, { op: 'focus' }>, signal: AbortSignal, onProgress: (done: number, total: number) => void): Promise<FocusSearch> {
      if (!entry) {
        return searchFocus(request.hologram, request.widthPx, request.heightPx, request.optics, request, {
          check: () => {
            if (signal.aborted) throw new Cancelled();
          },
          onProgress,
        });
      }
      const reply = await inWorker(request, signal, onProgress);
      if (reply.type !== 'focus') throw new Error('The holography worker answered the wrong request.');
      return { zUm: reply.zUm, curve: reply.curve, stepUm: reply.stepUm };
    },
    async field(request: Exclude<PhysicsRequest, { op: 'focus' }>, signal: AbortSignal): Promise<ComplexField> {
      if (!entry) {
        await new Promise<void>((resolve) => setImmediate(resolve));
        if (signal.aborted) throw new Cancelled();
        return request.op === 'backprop'
          ? backPropagate(request.hologram, request.widthPx, request.heightPx, request.optics, request.zUm)
          : multiHeight(request.holograms, request.widthPx, request.heightPx, request.optics, request.heightsUm, request.iterations);
      }
      const reply = await inWorker(request, signal);
      if (reply.type !== 'field') throw new Error('The holography worker answered the wrong request.');
      return { width: reply.width, height: reply.height, re: reply.re, im: reply.im };
    },
  };
}

function relOf(fileUrl: string): string {
  return fileUrl.replace(/^\/library\//, '').split('/').map(decodeURIComponent).join('/');
}
