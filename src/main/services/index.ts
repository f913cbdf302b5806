/**
 * The composition root of the services: opens the library (catalog + files), wires the import jobs and the
 * model registry, and returns one handler per contract call. Both hosts create this once and only adapt the
 * transport; nothing here knows about Electron, HTTP or windows.
 */
import type { Readable } from 'node:stream';
import fs from 'node:fs/promises';
import path from 'node:path';
import type { Derivative, EventName, EventPayload } from '../../shared/contract';
import { AppError } from '../../shared/errors';
import type { Handlers } from '../rpc';
import * as catalog from './catalog';
import { ImportJobs } from './library/importer';
import { openLibrary } from './library/library';
import { listModels } from './models/models';
import { createCaptureService, type CaptureService } from './capture';
import { createEnhanceService } from './enhance/service';
import { createHolographyService } from './holography';
import type { InferenceClient } from './inference';
import { createPyramidService } from './pyramid';
import { createViewerService } from './viewer';

export interface ServicesOptions {
  /** The library folder (see `resolveLibraryDir`); created if missing. */
  libraryDir: string;
  /** Folder holding `models/<id>/manifest.json`; it may not exist yet. */
  resourcesDir: string;
  host: 'electron' | 'browser';
  /** Delivers an event to every connected renderer. Called from background jobs, never throws back here. */
  emit: <E extends EventName>(event: E, payload: EventPayload<E>) => void;
  appVersion: string;
  /**
   * Whether `captures.import` may read files by path on the host machine (default true). A browser host bound
   * beyond loopback should turn this off: a remote page could otherwise pull any image the user can read.
   */
  allowPathImports?: boolean;
  /** Where operational messages (sweeps, skipped models, unexpected errors) go; defaults to console.error. */
  log?: (message: string) => void;
  /**
   * The inference host client (models under `<resourcesDir>/models`), for the holography network path; a host
   * without one still reconstructs by back-propagation and multi-height retrieval.
   */
  inference?: InferenceClient;
  /** The holography network's model id (default lucida-holo-phase; tests use a fixture). */
  holographyModelId?: string;
}

export interface Services {
  handlers: Handlers;
  libraryDir: string;
  /** Library URL path (`images/…`, with or without `/library/`) → absolute file, or null when not servable. */
  resolveLibraryFile(relUrlPath: string): string | null;
  /** Streams an upload into `.staging/` and returns the id that `captures.import` accepts as an upload source. */
  stageUpload(readable: Readable, name: string): Promise<string>;
  /**
   * Records a derivative (an enhancement result, amplitude, phase…) whose file the caller has already written
   * under `derived/` with fsync + rename. Refuses a file that is not there; if the capture was deleted meanwhile,
   * removes the file and throws not-found, so neither a row without a file nor a stray file remains.
   */
  recordDerivative(input: catalog.NewDerivative): Promise<Derivative>;
  /**
   * For hosts, when `/library/tiles/…` is not on disk: makes the tile through the pyramid service and returns its
   * file, or null when the path is not a tile of an open (or reopenable) pyramid. Aborting the signal (the browser
   * gave up on the request) drops it from the queue.
   */
  tileFileForRequest(relPath: string, signal?: AbortSignal): Promise<string | null>;
  /** The capture service: hosts attach live views to `capture.live` (binary frames, not contract calls). */
  capture: CaptureService;
  /** Resolves when no import job is running (tests, clean shutdown). */
  idle(): Promise<void>;
  /**
   * Stops jobs after their current file, then closes the catalog; synchronous when no job is running. Safe to call
   * more than once or not to await: an exit mid-import is as safe as a crash.
   */
  close(): Promise<void>;
}

export function createServices(options: ServicesOptions): Services {
  const log = options.log ?? ((message: string) => console.error(message));
  const library = openLibrary(options.libraryDir, log);
  const db = library.db;
  // A renderer that went away must not break an import; delivery is best effort, the catalog is the truth.
  const emit: ServicesOptions['emit'] = (event, payload) => {
    try {
      options.emit(event, payload);
    } catch (error) {
      log(`[services] emitting ${event} failed: ${error instanceof Error ? error.message : String(error)}`);
    }
  };
  // Imported captures get their viewer overview decoded in the background, one at a time, so a first open of a
  // large PNG/TIFF does not pay a full decode; a failure here only costs that head start.
  let preparing: Promise<void> = Promise.resolve();
  const prepareImported = (captureId: number) => {
    preparing = preparing
      .then(() => (closing ? undefined : viewer.prepareRaw(captureId)))
      .catch((error: unknown) => log(`[viewer] preparing capture ${captureId} after import failed: ${error instanceof Error ? error.message : String(error)}`));
  };
  const jobs = new ImportJobs(library, emit, log, prepareImported);
  let closing: Promise<void> | null = null;
  const assertOpen = () => {
    if (closing) throw new AppError('internal', 'Lucida is shutting down; try again after it restarts.');
  };
  const changed = (entity: 'specimen' | 'session' | 'capture', id: number | null) => emit('catalog.changed', { entity, id });
  const pyramid = createPyramidService({ libraryDir: library.dir });
  const recordDerivative = async (input: catalog.NewDerivative): Promise<Derivative> => {
    assertOpen();
    const file = library.resolveLibraryFile(input.file);
    if (!input.file.startsWith('derived/') || !file || !(await fs.stat(file)).isFile()) {
      throw new AppError('internal', `The result file ${input.file} is not in the library's derived/ folder; it was not recorded.`);
    }
    try {
      const derivative = catalog.insertDerivative(db, input);
      changed('capture', input.captureId);
      return derivative;
    } catch (error) {
      await library.removeFiles([input.file]);
      throw error;
    }
  };
  const viewer = createViewerService({ db, libraryDir: library.dir, pyramid, record: recordDerivative });
  const holography = createHolographyService({
    db,
    libraryDir: library.dir,
    record: recordDerivative,
    emit,
    inference: () => options.inference ?? null,
    modelRoots: [path.join(options.resourcesDir, 'models')],
    modelId: options.holographyModelId,
    appVersion: options.appVersion,
    log,
  });

  // Enhancement (captures.enhance, sessions.enhanceAll) and model checks/imports; imported models live in <library>/models.
  const enhance = createEnhanceService({
    db,
    libraryDir: library.dir,
    modelRoots: [path.join(options.resourcesDir, 'models'), path.join(library.dir, 'models')],
    record: recordDerivative,
    emit,
    inference: () => options.inference ?? null,
    log,
  });

  const capture = createCaptureService({
    db,
    libraryDir: library.dir,
    emit,
    importPaths: (sessionId, paths) => jobs.start(sessionId, paths.map((p) => ({ kind: 'path' as const, path: p }))),
    log,
    inference: () => options.inference ?? null,
    modelDir: (id) => path.join(options.resourcesDir, 'models', id),
  });

  const handlers: Handlers = {
    'app.info': () => ({
      version: options.appVersion,
      host: options.host,
      libraryDir: library.dir,
      schemaVersion: catalog.schemaVersion(db),
    }),

    'specimens.list': () => catalog.listSpecimens(db),
    'specimens.create': (input) => {
      assertOpen();
      const specimen = catalog.createSpecimen(db, input);
      changed('specimen', specimen.id);
      return specimen;
    },
    'specimens.update': ({ id, patch }) => {
      assertOpen();
      const specimen = catalog.updateSpecimen(db, id, patch);
      changed('specimen', id);
      return specimen;
    },
    'specimens.delete': ({ id }) => {
      assertOpen();
      const result = catalog.deleteSpecimen(db, id);
      if (result.deleted) changed('specimen', id);
      return result;
    },

    'sessions.list': ({ specimenId }) => catalog.listSessions(db, specimenId),
    'sessions.get': ({ id }) => catalog.getSession(db, id),
    'sessions.create': (input) => {
      assertOpen();
      const session = catalog.createSession(db, input);
      changed('session', session.id);
      return session;
    },
    'sessions.update': ({ id, patch }) => {
      assertOpen();
      const session = catalog.updateSession(db, id, patch);
      changed('session', id);
      return session;
    },
    'sessions.delete': async ({ id, confirmDeleteCaptures }) => {
      assertOpen();
      const { deleted, capturesDeleted, files } = catalog.deleteSession(db, id, confirmDeleteCaptures === true);
      await library.removeFiles(files);
      if (deleted) changed('session', id);
      return { deleted, capturesDeleted };
    },

    'captures.list': ({ sessionId }) => catalog.listCaptures(db, sessionId),
    'captures.get': ({ id }) => catalog.getCapture(db, id),
    'captures.import': ({ sessionId, sources }) => {
      assertOpen();
      if (options.allowPathImports === false && sources.some((s) => s.kind === 'path')) {
        throw new AppError('forbidden', 'This Lucida accepts uploaded files only; importing by path on the host machine is turned off.');
      }
      // Checked up front so a wrong session is an error on the call, not a job full of identical failures.
      catalog.getSession(db, sessionId);
      return { jobId: jobs.start(sessionId, sources) };
    },
    'captures.update': ({ id, patch }) => {
      assertOpen();
      if (patch.tags !== undefined) catalog.setCaptureTags(db, id, patch.tags);
      changed('capture', id);
      return catalog.getCapture(db, id).capture;
    },
    'captures.delete': async ({ id }) => {
      assertOpen();
      const { deleted, files } = catalog.deleteCapture(db, id);
      await library.removeFiles(files);
      if (deleted) changed('capture', id);
      return { deleted };
    },

    'annotations.list': ({ captureId }) => catalog.listAnnotations(db, captureId),
    'annotations.create': (input) => {
      assertOpen();
      const annotation = catalog.createAnnotation(db, input);
      changed('capture', annotation.captureId);
      return annotation;
    },
    'annotations.update': ({ id, patch }) => {
      assertOpen();
      const annotation = catalog.updateAnnotation(db, id, patch);
      changed('capture', annotation.captureId);
      return annotation;
    },
    'annotations.delete': ({ id }) => {
      assertOpen();
      const { deleted, captureId } = catalog.deleteAnnotation(db, id);
      if (deleted) changed('capture', captureId);
      return { deleted };
    },

    'jobs.cancel': ({ jobId }) => ({ cancelled: jobs.cancel(jobId) || holography.cancel(jobId) || capture.cancel(jobId) || enhance.cancel(jobId) }),

    'search.query': ({ text, limit }) => catalog.search(db, text, limit ?? 50),

    // Read on every call: the list is small, and a model dropped into the folder shows up without a restart.
    'models.list': async () => {
      // Bundled first, then imported (<library>/models); an imported id never shadows a bundled one.
      const bundled = await listModels(options.resourcesDir, log);
      const imported = (await listModels(library.dir, log)).filter((m) => !bundled.some((b) => b.id === m.id));
      return [...bundled, ...imported].map(({ dir: _dir, modelFile: _file, ...summary }) => summary);
    },
    'models.gpuCheck': ({ modelId }) => enhance.gpuCheck(modelId),
    'models.import': async ({ path: dir }) => {
      assertOpen();
      if (options.allowPathImports === false) {
        throw new AppError('forbidden', 'This Lucida accepts uploaded files only; importing a model folder on the host machine is turned off.');
      }
      const { id } = await enhance.importModel(dir);
      return { id };
    },
    'captures.enhance': (input) => {
      assertOpen();
      return enhance.enhance(input);
    },
    'sessions.enhanceAll': (input) => {
      assertOpen();
      return enhance.enhanceAll(input);
    },

    'viewer.layers': ({ captureId }) => viewer.layers(captureId),
    'viewer.pyramid': ({ captureId, derivativeId, display }) => viewer.openPyramid(captureId, derivativeId, display),
    'viewer.pixel': ({ captureId, derivativeId, xPx, yPx }) => viewer.pixel(captureId, derivativeId, xPx, yPx),
    'viewer.interpolate': ({ captureId }) => {
      assertOpen();
      return viewer.interpolate(captureId);
    },
    'viewer.difference': ({ captureId, derivativeId }) => {
      assertOpen();
      return viewer.difference(captureId, derivativeId);
    },
    'viewer.colormaps': () => viewer.colormaps(),

    'holography.info': ({ captureId }) => holography.info(captureId),
    'holography.setParams': ({ captureId, patch }) => {
      assertOpen();
      return holography.setParams(captureId, patch);
    },
    'holography.simulate': (input) => {
      assertOpen();
      return holography.simulate(input);
    },
    'holography.reconstruct': (input) => {
      assertOpen();
      return holography.reconstruct(input);
    },
    'holography.results': ({ captureId }) => holography.results(captureId),

    'capture.sources': () => capture.sources(),
    'capture.state': () => capture.state(),
    'capture.start': ({ sourceId, mode }) => capture.start(sourceId, mode),
    'capture.stop': () => capture.stop(),
    'capture.configure': (patch) => capture.configure(patch),
    'capture.moveStage': ({ relative, ...to }) => capture.moveStage(to, relative === true),
    'capture.snapshot': ({ sessionId }) => {
      assertOpen();
      return capture.snapshot(sessionId);
    },
    'capture.burst': ({ sessionId, frames }) => {
      assertOpen();
      return capture.burst(sessionId, frames);
    },
    'capture.timelapse': ({ sessionId, frames, intervalMs }) => {
      assertOpen();
      return capture.timelapse(sessionId, frames, intervalMs);
    },
    'capture.tileScan': ({ sessionId, columns, rows, overlap }) => {
      assertOpen();
      return capture.tileScan(sessionId, columns, rows, overlap);
    },
    'capture.autofocus': ({ rangeUm }) => capture.autofocus(rangeUm),
    'capture.enhance': ({ enabled, modelId, regionPx, provider }) => capture.enhance(enabled, modelId, regionPx, provider),
    'capture.trainingPairs': ({ sessionId, lowObjectiveId, highObjectiveId, fields, patchPx }) => {
      assertOpen();
      return capture.trainingPairs(sessionId, lowObjectiveId, highObjectiveId, fields, patchPx);
    },
    'capture.watch': ({ sessionId, folder }) => {
      assertOpen();
      if (folder !== null && options.allowPathImports === false) {
        throw new AppError('forbidden', 'This Lucida accepts uploaded files only; watching a folder on the host machine is turned off.');
      }
      return capture.watch(sessionId, folder);
    },
  };

  return {
    handlers,
    libraryDir: library.dir,
    resolveLibraryFile: library.resolveLibraryFile,
    stageUpload: (readable, name) => {
      assertOpen();
      return library.stageUpload(readable, name);
    },
    recordDerivative,
    tileFileForRequest: (relPath, signal) => pyramid.tileFileForRequest(relPath, { signal }),
    capture,
    idle: () => Promise.all([jobs.idle(), holography.idle(), capture.idle(), enhance.idle()]).then(() => preparing),
    close: () => {
      // With nothing running, close at once: hosts call this without awaiting right before process.exit.
      // The pyramid's tile jobs only read the library's files, never the catalog: they finish on their own.
      void pyramid.close().catch(() => undefined);
      // The camera stops at once (its frames hold no catalog state); a running burst finishes its current frame.
      const captureClosed = capture.close().catch(() => undefined);
      closing ??=
        jobs.running === 0 && holography.running === 0 && capture.running === 0 && enhance.running === 0
          ? Promise.resolve(library.close())
          : Promise.all([jobs.stopAll(), holography.close(), captureClosed, enhance.close()]).then(() => undefined).finally(() => library.close());
      return closing;
    },
  };
}
