/**
 * Capture as a service: one active camera source at a time (the simulated microscope, a system camera through
 * ffmpeg, or ffmpeg's test pattern), its live frames pumped to the views, and the acquisitions that put frames
 * into the active session — snapshot, burst, time-lapse, tile scan (stitched by phase correlation) and a watched
 * folder that imports new files through the library's import jobs. Every saved frame is written at full bit
 * depth, file before row (store.ts).
 */
import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import type { Capture, CaptureMode, CaptureSettings, CaptureSource, CaptureState, EventName, EventPayload, JobProgress, StagePosition } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import * as catalog from '../catalog';
import type { InferenceClient, ProviderName } from '../inference';
import { focusScore } from './display';
import { FfmpegCamera, listFfmpegSources, supportedPixelFormats, TEST_PATTERN_ID } from './ffmpeg';
import { LiveEnhancer } from './enhance';
import { LiveHub } from './live';
import { CAMERA_PIXEL_UM, DEFAULT_MODE, OBJECTIVES, SIMULATED_SOURCE_ID, SimulatedMicroscope } from './simulated';
import { registerPair, writeFileDurably, writePairPatches, type PairPatch } from './pairs';
import { stitchTiles, type Tile } from './stitch';
import { encodeFrame, frameMetadata, saveFrame, saveImage } from './store';
import type { CameraSource, Frame } from './types';

export interface CaptureDeps {
  db: catalog.Db;
  libraryDir: string;
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  /** Starts an import job of files on this machine into a session (the library's import path); returns its id. */
  importPaths: (sessionId: number, paths: string[]) => string;
  log?: (message: string) => void;
  /** Seed of the simulated microscope (tests); default 1. */
  simulatedSeed?: number;
  /** The inference host client for live enhancement; null when this host runs no inference engine. */
  inference?: () => InferenceClient | null;
  /** Folder of a model id (`<resources>/models/<id>`). */
  modelDir?: (modelId: string) => string;
}

interface Job {
  id: string;
  cancelled: boolean;
  done: Promise<void>;
}

const IMAGE_FILE = /\.(png|jpe?g|tiff?|webp)$/i;
const BURST_QUEUE = 8;
const MAX_STITCHED_TILES = 49;

export function createCaptureService(deps: CaptureDeps) {
  const log = deps.log ?? (() => undefined);
  let simulated: SimulatedMicroscope | null = null;
  let source: CameraSource | null = null;
  let frameCount = 0;
  const arrivals: number[] = [];
  const frameWaiters = new Set<(frame: Frame) => void>();
  const jobs = new Map<string, Job>();
  let unsubscribe: (() => void) | null = null;
  let watch: { sessionId: number; folder: string; watcher: fs.FSWatcher; seen: Set<string> } | null = null;

  const sourceFps = () => {
    if (arrivals.length < 2) return 0;
    const span = arrivals[arrivals.length - 1]! - arrivals[0]!;
    return span > 0 ? ((arrivals.length - 1) * 1000) / span : 0;
  };
  const live = new LiveHub(sourceFps);
  const enhancer = new LiveEnhancer({
    inference: deps.inference ?? (() => null),
    modelDir: deps.modelDir ?? ((id) => path.join(deps.libraryDir, 'models', id)),
    publish: (header, jpeg) => live.pushExtra(header, jpeg),
    baseHeader: (frame) => ({
      seq: frame.seq,
      capturedAtMs: frame.capturedAtMs,
      widthPx: frame.widthPx,
      heightPx: frame.heightPx,
      bitDepth: 8,
      histogram: [],
      clippedLow: 0,
      clippedHigh: 0,
      focusScore: 0,
      stage: frame.meta.stage,
      exposureMs: frame.meta.exposureMs,
      gain: frame.meta.gain,
      sourceFps: sourceFps(),
      hostDropped: 0,
    }),
    log,
  });

  const onFrame = (frame: Frame) => {
    frameCount++;
    arrivals.push(performance.now());
    if (arrivals.length > 30) arrivals.shift();
    for (const waiter of [...frameWaiters]) waiter(frame);
    live.push(frame);
    enhancer.offer(frame);
  };

  const simulator = () => (simulated ??= new SimulatedMicroscope({ seed: deps.simulatedSeed ?? 1 }));

  function state(): CaptureState {
    const s = source?.state() ?? { status: 'stopped' as const, message: null };
    const sim = source instanceof SimulatedMicroscope ? source : null;
    return {
      sourceId: source?.id ?? null,
      sourceLabel: source?.label ?? null,
      status: s.status,
      message: s.message,
      mode: source?.mode ?? null,
      settings: source?.settings() ?? null,
      stage: sim?.stage() ?? null,
      objectives: sim ? sim.objectives() : [],
      pixelSizeUm: sim?.pixelSizeUm() ?? null,
      frames: frameCount,
      sourceFps: Math.round(sourceFps() * 10) / 10,
      watch: watch ? { sessionId: watch.sessionId, folder: watch.folder } : null,
    };
  }

  async function sources(): Promise<CaptureSource[]> {
    const sim: CaptureSource = {
      id: SIMULATED_SOURCE_ID,
      kind: 'simulated',
      label: 'Simulated microscope',
      modes: [DEFAULT_MODE, { widthPx: 1920, heightPx: 1080, fps: 30, pixelFormat: 'rgb48le' }, { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'rgb48le' }],
      available: true,
      reason: null,
    };
    return [sim, ...(await listFfmpegSources())];
  }

  async function stopSource(): Promise<void> {
    unsubscribe?.();
    unsubscribe = null;
    const old = source;
    source = null;
    if (old) await old.stop();
    arrivals.length = 0;
  }

  async function start(sourceId: string, mode: Partial<CaptureMode> | undefined): Promise<CaptureState> {
    // Checked before anything stops or starts: a refused request leaves the running camera (if any) as it was.
    const known = sourceId === SIMULATED_SOURCE_ID ? null : (await listFfmpegSources()).find((s) => s.id === sourceId);
    if (sourceId !== SIMULATED_SOURCE_ID) {
      if (!known) throw new AppError('not-found', `There is no camera “${sourceId}” any more; look for cameras again.`);
      if (!known.available) throw new AppError('not-found', known.reason ?? `${known.label} cannot be used.`);
    }
    if (mode?.pixelFormat !== undefined) {
      const label = known?.label ?? 'The simulated microscope';
      const supported = known ? supportedPixelFormats(known) : [DEFAULT_MODE.pixelFormat];
      if (!supported.includes(mode.pixelFormat)) {
        throw new AppError(
          'invalid-input',
          `${label} cannot deliver the pixel format “${mode.pixelFormat}”; it supports ${supported.join(', ')}. Nothing was started.`,
        );
      }
    }
    await stopSource();
    let next: CameraSource;
    if (sourceId === SIMULATED_SOURCE_ID) {
      const sim = simulator();
      if (mode && (mode.widthPx || mode.heightPx || mode.fps)) {
        // A new sensor mode means a new simulated camera on the same slide, stage and settings.
        const replacement = new SimulatedMicroscope({ seed: sim.seed, mode: { ...sim.mode, ...mode }, settings: sim.settings() });
        replacement.moveStage(sim.stage());
        simulated = replacement;
      }
      next = simulated!;
    } else {
      const base = known!.modes[0] ?? { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'rgb24' };
      next = new FfmpegCamera(sourceId, known!.label, { ...base, ...mode });
    }
    source = next;
    frameCount = 0;
    unsubscribe = next.onFrame(onFrame);
    try {
      await next.start();
    } catch (error) {
      await stopSource();
      throw error;
    }
    return state();
  }

  function requireStage(): SimulatedMicroscope {
    if (!(source instanceof SimulatedMicroscope)) {
      throw new AppError('invalid-input', source ? `${source.label} has no motorised stage or settings Lucida can drive.` : 'Start the simulated microscope first.');
    }
    return source;
  }

  function nextFrame(timeoutMs = 10_000): Promise<Frame> {
    if (!source || source.state().status === 'stopped' || source.state().status === 'failed') {
      return Promise.reject(new AppError('invalid-input', 'Start the live view first: a capture takes the next frame from the running camera.'));
    }
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        frameWaiters.delete(take);
        reject(new AppError('internal', `No frame arrived from ${source?.label ?? 'the camera'} within ${timeoutMs / 1000} s.`));
      }, timeoutMs);
      const take = (frame: Frame) => {
        clearTimeout(timer);
        frameWaiters.delete(take);
        resolve(frame);
      };
      frameWaiters.add(take);
    });
  }

  const stamp = (frame: Frame) => new Date(frame.capturedAtMs).toISOString().replace(/[:]/g, '-').replace(/\..+$/, '');

  async function snapshot(sessionId: number): Promise<Capture> {
    catalog.getSession(deps.db, sessionId);
    const frame = await nextFrame();
    const saved = await saveFrame(deps.db, deps.libraryDir, sessionId, frame, { name: `snapshot-${stamp(frame)}-${frame.seq}.png`, tags: ['snapshot'] });
    deps.emit('catalog.changed', { entity: 'capture', id: saved.captureId });
    return catalog.getCapture(deps.db, saved.captureId).capture;
  }

  /** Runs an acquisition job in the background with job.progress events; `body` reports through `progress`. */
  function startJob(kind: string, total: number, body: (job: Job, progress: (done: number, current: string | null) => void) => Promise<string>): { jobId: string } {
    const id = randomUUID();
    const job: Job = { id, cancelled: false, done: Promise.resolve() };
    const base: JobProgress = { jobId: id, kind, done: 0, total, current: null, state: 'running', failures: [], message: null };
    const send = (p: Partial<JobProgress>) => deps.emit('job.progress', { ...base, ...p });
    jobs.set(id, job);
    job.done = new Promise<void>((resolve) => setImmediate(resolve))
      .then(async () => {
        send({});
        const message = await body(job, (done, current) => send({ done, current }));
        send({ done: total, state: job.cancelled ? 'cancelled' : 'done', message });
      })
      .catch((error: unknown) => {
        if (!(error instanceof AppError)) log(`[capture] ${kind} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        send({ state: 'failed', message: error instanceof AppError ? error.message : `The ${kind} stopped because of an internal error; frames already saved are kept.` });
      })
      .finally(() => jobs.delete(id));
    return { jobId: id };
  }

  function burst(sessionId: number, frames: number): { jobId: string } {
    catalog.getSession(deps.db, sessionId);
    if (!source) throw new AppError('invalid-input', 'Start the live view first: a burst saves the frames the running camera makes.');
    const burstId = randomUUID().slice(0, 8);
    return startJob('capture.burst', frames, async (job, progress) => {
      // Consecutive frames go into a short queue and are written one by one; when writing falls behind, frames
      // beyond the queue are skipped (their sequence numbers show the gap) rather than piling up in memory.
      const queue: Frame[] = [];
      let taken = 0;
      let skipped = 0;
      let wake: (() => void) | null = null;
      const take = (frame: Frame) => {
        if (taken >= frames || job.cancelled) return;
        if (queue.length >= BURST_QUEUE) {
          skipped++;
          return;
        }
        queue.push(frame);
        taken++;
        wake?.();
      };
      const off = source!.onFrame(take);
      let saved = 0;
      try {
        while (saved < frames && !job.cancelled) {
          if (!queue.length) {
            await new Promise<void>((resolve, reject) => {
              const timer = setTimeout(() => reject(new AppError('internal', 'The camera stopped sending frames during the burst; frames already saved are kept.')), 10_000);
              wake = () => {
                clearTimeout(timer);
                wake = null;
                resolve();
              };
            });
            continue;
          }
          const frame = queue.shift()!;
          const name = `burst-${burstId}-${String(saved + 1).padStart(4, '0')}.png`;
          const { captureId } = await saveFrame(deps.db, deps.libraryDir, sessionId, frame, { name, tags: ['burst'], extra: { burst: { id: burstId, index: saved, of: frames } } });
          saved++;
          deps.emit('catalog.changed', { entity: 'capture', id: captureId });
          progress(saved, name);
        }
      } catch (error) {
        // Say how far the burst got: the frames before the failure are saved captures, each with its file.
        if (error instanceof AppError) throw new AppError(error.code, `${error.message} The burst stopped after ${saved} of ${frames} frames.`);
        throw error;
      } finally {
        off();
      }
      return `Saved ${saved} of ${frames} frames${skipped ? ` (${skipped} frames skipped while writing caught up)` : ''}.`;
    });
  }

  function sleep(ms: number, job: Job): Promise<void> {
    return new Promise((resolve) => {
      const started = Date.now();
      const tick = () => (job.cancelled || Date.now() - started >= ms ? resolve() : setTimeout(tick, Math.min(200, ms - (Date.now() - started))));
      tick();
    });
  }

  function timelapse(sessionId: number, frames: number, intervalMs: number): { jobId: string } {
    catalog.getSession(deps.db, sessionId);
    if (!source) throw new AppError('invalid-input', 'Start the live view first: a time-lapse saves frames of the running camera.');
    const seriesId = randomUUID().slice(0, 8);
    return startJob('capture.timelapse', frames, async (job, progress) => {
      const t0 = Date.now();
      let saved = 0;
      for (let i = 0; i < frames && !job.cancelled; i++) {
        // Scheduled from the start, so write times do not stretch the interval.
        await sleep(t0 + i * intervalMs - Date.now(), job);
        if (job.cancelled) break;
        const frame = await nextFrame();
        const name = `timelapse-${seriesId}-${String(i + 1).padStart(4, '0')}.png`;
        const { captureId } = await saveFrame(deps.db, deps.libraryDir, sessionId, frame, {
          name,
          tags: ['timelapse'],
          extra: { timelapse: { id: seriesId, index: i, of: frames, intervalMs, elapsedMs: frame.capturedAtMs - t0 } },
        });
        saved++;
        deps.emit('catalog.changed', { entity: 'capture', id: captureId });
        progress(saved, name);
      }
      return `Saved ${saved} of ${frames} time-lapse frames.`;
    });
  }

  function tileScan(sessionId: number, columns: number, rows: number, overlap: number): { jobId: string } {
    catalog.getSession(deps.db, sessionId);
    const sim = requireStage();
    const total = columns * rows;
    const scanId = randomUUID().slice(0, 8);
    return startJob('capture.tileScan', total + 1, async (job, progress) => {
      const start = sim.stage();
      const pixelUm = sim.pixelSizeUm();
      const fieldW = sim.mode.widthPx * pixelUm;
      const fieldH = sim.mode.heightPx * pixelUm;
      const stepX = fieldW * (1 - overlap);
      const stepY = fieldH * (1 - overlap);
      const tiles: Tile[] = [];
      let done = 0;
      try {
        for (let r = 0; r < rows && !job.cancelled; r++) {
          for (let c = 0; c < columns && !job.cancelled; c++) {
            // Grid centred on where the stage stood, in raster order.
            const at = { xUm: start.xUm + (c - (columns - 1) / 2) * stepX, yUm: start.yUm + (r - (rows - 1) / 2) * stepY, zUm: start.zUm };
            sim.moveStage(at);
            const frame = await nextFrame();
            const name = `tiles-${scanId}-r${r + 1}c${c + 1}.png`;
            const { captureId } = await saveFrame(deps.db, deps.libraryDir, sessionId, frame, { name, tags: ['tile'], extra: { tileScan: { id: scanId, row: r, column: c, rows, columns, overlap } } });
            deps.emit('catalog.changed', { entity: 'capture', id: captureId });
            if (total <= MAX_STITCHED_TILES) tiles.push({ row: r, column: c, frame });
            progress(++done, name);
          }
        }
      } finally {
        sim.moveStage(start);
      }
      if (job.cancelled) return `Tile scan cancelled after ${done} of ${total} fields; the fields taken are kept.`;
      if (total > MAX_STITCHED_TILES) return `Saved ${total} fields; mosaics of more than ${MAX_STITCHED_TILES} fields are not stitched here.`;
      progress(done, 'stitching');
      const mosaic = stitchTiles(tiles, overlap);
      const first = tiles[0]!.frame;
      const mosaicFrame: Frame = { ...first, widthPx: mosaic.widthPx, heightPx: mosaic.heightPx, data: mosaic.data, meta: { ...first.meta, stage: start } };
      const png = await encodeFrame(mosaicFrame);
      const name = `tiles-${scanId}-stitched-${columns}x${rows}.png`;
      const { captureId } = await saveImage(
        deps.db,
        deps.libraryDir,
        sessionId,
        png,
        { capturedAtMs: first.capturedAtMs, pixelSizeUm: pixelUm },
        frameMetadata(mosaicFrame, { tileScan: { id: scanId, rows, columns, overlap, stitched: true, offsetsPx: mosaic.offsets } }),
        { name, tags: ['stitched'] },
      );
      deps.emit('catalog.changed', { entity: 'capture', id: captureId });
      return `Saved ${total} fields and their stitched mosaic (${mosaic.widthPx}×${mosaic.heightPx} px).`;
    });
  }

  /**
   * Coarse sweep over ±range in 1 µm steps (finer for high-NA objectives), then a fine one around the best z,
   * scoring each frame with the live view's focus score; ends at the sharpest z.
   */
  async function autofocus(rangeUm = 10): Promise<{ zUm: number; curve: { zUm: number; score: number }[] }> {
    const sim = requireStage();
    const z0 = sim.stage().zUm;
    const curve: { zUm: number; score: number }[] = [];
    const depthUm = (0.55 / sim.objective().numericalAperture ** 2) * (sim.objective().numericalAperture > 1 ? 1.518 : 1);
    const coarse = Math.max(0.25, Math.min(2, depthUm));
    const measure = async (zUm: number) => {
      sim.moveStage({ zUm });
      const score = focusScore(await nextFrame());
      curve.push({ zUm: sim.stage().zUm, score });
      return score;
    };
    let best = { zUm: z0, score: -1 };
    for (let z = z0 - rangeUm; z <= z0 + rangeUm + 1e-9; z += coarse) {
      const score = await measure(z);
      if (score > best.score) best = { zUm: z, score };
    }
    const centre = best.zUm;
    for (let z = centre - coarse; z <= centre + coarse + 1e-9; z += coarse / 4) {
      const score = await measure(z);
      if (score > best.score) best = { zUm: z, score };
    }
    sim.moveStage({ zUm: best.zUm });
    curve.sort((a, b) => a.zUm - b.zUm);
    return { zUm: sim.stage().zUm, curve };
  }

  function trainingPairs(sessionId: number, lowObjectiveId: string, highObjectiveId: string, fields: number, patchPx: number): { jobId: string } {
    catalog.getSession(deps.db, sessionId);
    const sim = requireStage();
    const low = OBJECTIVES.find((o) => o.id === lowObjectiveId);
    const high = OBJECTIVES.find((o) => o.id === highObjectiveId);
    if (!low || !high) throw new AppError('invalid-input', `Choose two of the objectives ${OBJECTIVES.map((o) => o.id).join(', ')}.`);
    const ratio = high.magnification / low.magnification;
    if (!(ratio > 1) || !Number.isInteger(ratio)) {
      throw new AppError('invalid-input', `The high objective must magnify a whole number of times more than the low one (${high.name} / ${low.name} = ${+ratio.toFixed(2)}).`);
    }
    if (sim.settings().imaging !== 'bright-field') throw new AppError('invalid-input', 'Training pairs are taken in bright-field; switch the imaging mode first.');
    const pairId = `${new Date().toISOString().replace(/[:.]/g, '-')}-${randomUUID().slice(0, 6)}`;
    const dir = path.join(deps.libraryDir, 'exports', `training-pairs-${pairId}`);
    return startJob('capture.trainingPairs', fields, async (job, progress) => {
      const start = sim.stage();
      const objectiveBefore = sim.settings().objectiveId;
      const fieldUm = sim.mode.widthPx * (CAMERA_PIXEL_UM / low.magnification);
      const patches: PairPatch[] = [];
      const records: Record<string, unknown>[] = [];
      let bitDepth = 16;
      try {
        // Pairs are taken in focus: focus once with the high objective (shallower depth of field), parfocal after.
        sim.configure({ objectiveId: high.id });
        await autofocus(10);
        for (let f = 0; f < fields && !job.cancelled; f++) {
          // Fields side by side in a row, one low-objective field apart, so no specimen point is used twice.
          const at = sim.moveStage({ xUm: start.xUm + f * fieldUm, yUm: start.yUm });
          const taken: Record<string, { frame: Frame; captureId: number }> = {};
          for (const [role, objective] of [['low', low], ['high', high]] as const) {
            sim.configure({ objectiveId: objective.id });
            const frame = await nextFrame();
            const { captureId } = await saveFrame(deps.db, deps.libraryDir, sessionId, frame, {
              name: `pair-${pairId.slice(-6)}-f${f + 1}-${objective.id}.png`,
              tags: ['training-pair'],
              extra: { trainingPair: { id: pairId, field: f, role } },
            });
            deps.emit('catalog.changed', { entity: 'capture', id: captureId });
            taken[role] = { frame, captureId };
          }
          const reg = registerPair(taken.low!.frame, taken.high!.frame, ratio);
          bitDepth = taken.low!.frame.bitDepth;
          patches.push(...(await writePairPatches(dir, f, taken.low!.frame, taken.high!.frame, reg, patchPx, patches.length)));
          records.push({ field: f, stage: at, lowCaptureId: taken.low!.captureId, highCaptureId: taken.high!.captureId, registration: reg });
          progress(f + 1, `field ${f + 1}`);
        }
      } finally {
        sim.configure({ objectiveId: objectiveBefore });
        sim.moveStage({ xUm: start.xUm, yUm: start.yUm });
      }
      // The index goes last: a folder without index.json is an export that did not finish.
      const index = {
        id: pairId,
        createdAt: new Date().toISOString(),
        sessionId,
        layout: 'C×H×W, raw sensor counts',
        dtype: bitDepth === 8 ? 'uint8' : 'uint16',
        sensorBitDepth: bitDepth,
        maxCount: 2 ** bitDepth - 1,
        low: { objective: low, pixelSizeUm: CAMERA_PIXEL_UM / low.magnification, patchPx },
        high: { objective: high, pixelSizeUm: CAMERA_PIXEL_UM / high.magnification, patchPx: patchPx * ratio },
        ratio,
        fields: records,
        patches,
      };
      await writeFileDurably(path.join(dir, 'index.json'), Buffer.from(JSON.stringify(index, null, 1)));
      return `Exported ${patches.length} patch pairs from ${records.length} fields to ${dir}.`;
    });
  }

  function stopWatching(): void {
    watch?.watcher.close();
    watch = null;
  }

  function watchFolder(sessionId: number, folder: string | null): CaptureState {
    if (folder === null) {
      stopWatching();
      return state();
    }
    catalog.getSession(deps.db, sessionId);
    const dir = path.resolve(folder);
    if (!fs.existsSync(dir) || !fs.statSync(dir).isDirectory()) throw new AppError('not-found', `${folder} is not a folder on this computer.`);
    stopWatching();
    // Files already there belong to an earlier acquisition: only new ones become captures.
    const seen = new Set(fs.readdirSync(dir));
    const watcher = fs.watch(dir, (_event, name) => {
      if (!name || seen.has(name) || !IMAGE_FILE.test(name) || name.startsWith('.')) return;
      const file = path.join(dir, name);
      // Camera software writes files over time: import once the size has stopped changing.
      let lastSize = -1;
      const settle = () => {
        let size: number;
        try {
          size = fs.statSync(file).size;
        } catch {
          return;
        }
        if (size > 0 && size === lastSize) {
          if (seen.has(name)) return;
          seen.add(name);
          try {
            deps.importPaths(sessionId, [file]);
          } catch (error) {
            log(`[capture] watched file ${name} was not imported: ${error instanceof Error ? error.message : String(error)}`);
          }
        } else {
          lastSize = size;
          setTimeout(settle, 300);
        }
      };
      setTimeout(settle, 100);
    });
    watcher.on('error', (error) => log(`[capture] watching ${dir} stopped: ${error.message}`));
    watch = { sessionId, folder: dir, watcher, seen };
    return state();
  }

  return {
    live,
    state,
    sources,
    start,
    async stop(): Promise<CaptureState> {
      await stopSource();
      return state();
    },
    configure(patch: Partial<CaptureSettings>): CaptureState {
      requireStage().configure(patch);
      return state();
    },
    moveStage(to: Partial<StagePosition>, relative: boolean): StagePosition {
      const sim = requireStage();
      if (!relative) return sim.moveStage(to);
      const at = sim.stage();
      return sim.moveStage({ xUm: at.xUm + (to.xUm ?? 0), yUm: at.yUm + (to.yUm ?? 0), zUm: at.zUm + (to.zUm ?? 0) });
    },
    snapshot,
    burst,
    timelapse,
    tileScan,
    trainingPairs,
    autofocus,
    enhanceState: () => enhancer.state(),
    enhance: (enabled: boolean, modelId?: string, regionPx?: number, provider?: ProviderName) => enhancer.configure(enabled, modelId, regionPx, provider),
    watch: watchFolder,
    /** The simulated microscope (created on first use), for tests and the benchmark. */
    simulator,
    /** The running camera source, or null (tests pull its plug). */
    activeSource: (): CameraSource | null => source,
    cancel(jobId: string): boolean {
      const job = jobs.get(jobId);
      if (!job) return false;
      job.cancelled = true;
      return true;
    },
    get running(): number {
      return jobs.size;
    },
    async idle(): Promise<void> {
      while (jobs.size) await Promise.all([...jobs.values()].map((j) => j.done));
    },
    async close(): Promise<void> {
      for (const job of jobs.values()) job.cancelled = true;
      await Promise.all([...jobs.values()].map((j) => j.done));
      stopWatching();
      await stopSource();
    },
  };
}

export type CaptureService = ReturnType<typeof createCaptureService>;
export { OBJECTIVES, TEST_PATTERN_ID };
