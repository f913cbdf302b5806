import { randomUUID } from 'node:crypto';
import fs from 'node:fs';
import fsp from 'node:fs/promises';
import path from 'node:path';
import type { EventName, EventPayload, ImportSource, JobProgress } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import { insertCapture, type NewCapture } from '../catalog';
import { commitFile, copyAndHash, fsyncDir, tempPathFor, unlinkQuietly, writeDurably } from './files';
import type { Library } from './library';
import { imageColumns, probeImage, renderThumbnail } from './probe';

export type Emit = <E extends EventName>(event: E, payload: EventPayload<E>) => void;

interface Job {
  id: string;
  cancelRequested: boolean;
  finished: Promise<void>;
}

const EXTENSION: Record<string, string> = { png: '.png', jpeg: '.jpg', tiff: '.tif', webp: '.webp' };

/** Runs import jobs in the background and keeps them cancellable; one instance per open library. */
export class ImportJobs {
  private readonly jobs = new Map<string, Job>();

  constructor(
    private readonly library: Library,
    private readonly emit: Emit,
    private readonly log: (message: string) => void = () => undefined,
    /** Called after each capture commits (e.g. to prepare its viewer pyramid); must not throw or block. */
    private readonly onImported: (captureId: number) => void = () => undefined,
  ) {}

  /** Starts a job and returns its id at once; progress arrives as `job.progress` events. */
  start(sessionId: number, sources: readonly ImportSource[]): string {
    const jobId = randomUUID();
    const job: Job = { id: jobId, cancelRequested: false, finished: Promise.resolve() };
    this.jobs.set(jobId, job);
    // Deferred a tick so the caller has the job id before the first event can arrive.
    job.finished = new Promise<void>((resolve) => setImmediate(resolve))
      .then(() => this.run(job, sessionId, sources))
      .catch((error: unknown) => {
        this.log(`[import] job ${jobId} failed: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        this.emit('job.progress', {
          jobId,
          kind: 'import',
          done: 0,
          total: sources.length,
          current: null,
          state: 'failed',
          failures: [],
          message: 'The import stopped because of an internal error; files already imported are kept. Details are in the log.',
        });
      })
      .finally(() => this.jobs.delete(jobId));
    return jobId;
  }

  get running(): number {
    return this.jobs.size;
  }

  cancel(jobId: string): boolean {
    const job = this.jobs.get(jobId);
    if (!job) return false;
    job.cancelRequested = true;
    return true;
  }

  /** Asks every job to stop after its current file and waits until they have. */
  async stopAll(): Promise<void> {
    for (const job of this.jobs.values()) job.cancelRequested = true;
    await Promise.all([...this.jobs.values()].map((j) => j.finished));
  }

  /** Resolves when no job is running; for tests and for a host that wants to quit cleanly. */
  async idle(): Promise<void> {
    while (this.jobs.size) await Promise.all([...this.jobs.values()].map((j) => j.finished));
  }

  private async run(job: Job, sessionId: number, sources: readonly ImportSource[]): Promise<void> {
    const progress: JobProgress = {
      jobId: job.id,
      kind: 'import',
      done: 0,
      total: sources.length,
      current: null,
      state: 'running',
      failures: [],
      message: null,
    };
    const send = () => this.emit('job.progress', { ...progress, failures: [...progress.failures] });
    send();
    let imported = 0;
    for (const source of sources) {
      if (job.cancelRequested) break;
      const name = displayName(source);
      progress.current = name;
      send();
      try {
        const id = await this.importOne(sessionId, source, name);
        imported++;
        this.emit('catalog.changed', { entity: 'capture', id });
        this.onImported(id);
      } catch (error) {
        if (!(error instanceof AppError)) {
          this.log(`[import] ${name}: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}`);
        }
        progress.failures.push({ name, message: failureMessage(error, name) });
      }
      progress.done++;
    }
    // Uploads the job never reached are not coming back; free their space now rather than at the next start.
    for (const source of sources.slice(progress.done)) {
      if (source.kind === 'upload') {
        const staged = this.library.stagedPath(source.uploadId);
        if (staged) await unlinkQuietly(staged);
      }
    }
    progress.current = null;
    const failed = progress.failures.length;
    if (job.cancelRequested && progress.done < progress.total) {
      progress.state = 'cancelled';
      progress.message = `Import cancelled after ${progress.done} of ${progress.total} files; ${imported} imported.`;
    } else if (imported === 0 && failed > 0) {
      progress.state = 'failed';
      progress.message = failed === 1 ? 'The file could not be imported.' : `None of the ${failed} files could be imported.`;
    } else {
      progress.state = 'done';
      progress.message =
        failed === 0
          ? `Imported ${imported} ${imported === 1 ? 'file' : 'files'}.`
          : `Imported ${imported} of ${progress.total} files; ${failed} could not be imported.`;
    }
    send();
  }

  /**
   * One file, in the order that keeps the catalog honest: copy to a temp name (hashing the bytes), decode the
   * copy fully (so what is kept is what was checked), write the thumbnail, rename both into place with fsyncs,
   * and only then commit the row. Any failure removes whatever this file left behind.
   */
  private async importOne(sessionId: number, source: ImportSource, name: string): Promise<number> {
    const sourcePath = await this.resolveSource(source, name);
    const key = randomUUID();
    const imageDirRel = `images/s${sessionId}`;
    const thumbDirRel = `thumbs/s${sessionId}`;
    await ensureDir(this.library.abs(imageDirRel));
    await ensureDir(this.library.abs(thumbDirRel));
    const tempImage = tempPathFor(this.library.abs(`${imageDirRel}/${key}`));
    let tempThumb: string | null = null;
    const committed: string[] = [];
    try {
      const sourceStat = await fsp.stat(sourcePath);
      const { sha256, byteSize } = await copyAndHash(sourcePath, tempImage);
      const info = await probeImage(tempImage, name);
      const thumbnail = await renderThumbnail(tempImage, info).catch(() => {
        throw new AppError('unreadable-image', `${name} could not be imported (Lucida could not draw a preview of it).`);
      });
      const imageRel = `${imageDirRel}/${key}${EXTENSION[info.format] ?? ''}`;
      const thumbRel = `${thumbDirRel}/${key}.png`;
      tempThumb = tempPathFor(this.library.abs(thumbRel));
      await writeDurably(tempThumb, thumbnail);
      await commitFile(tempImage, this.library.abs(imageRel));
      committed.push(imageRel);
      await commitFile(tempThumb, this.library.abs(thumbRel));
      committed.push(thumbRel);
      return this.insertRow(name, {
        sessionId,
        file: imageRel,
        thumbnail: thumbRel,
        sha256,
        byteSize,
        originalName: name,
        ...imageColumns(info),
        capturedAt: source.kind === 'path' ? sourceStat.mtime.toISOString() : new Date().toISOString(),
        metadata: info.metadata,
      });
    } catch (error) {
      await unlinkQuietly(tempImage);
      if (tempThumb) await unlinkQuietly(tempThumb);
      await this.library.removeFiles(committed);
      throw error;
    } finally {
      if (source.kind === 'upload') await unlinkQuietly(sourcePath);
    }
  }

  private insertRow(name: string, row: NewCapture): number {
    try {
      return insertCapture(this.library.db, row);
    } catch (error) {
      if (error instanceof AppError && error.code === 'not-found') {
        throw new AppError('not-found', `${name} was not imported: its session was deleted meanwhile.`);
      }
      throw error;
    }
  }

  private async resolveSource(source: ImportSource, name: string): Promise<string> {
    if (source.kind === 'upload') {
      const staged = this.library.stagedPath(source.uploadId);
      if (!staged) throw new AppError('not-found', `${name} was not received completely; upload it again.`);
      return staged;
    }
    let stat: fs.Stats;
    try {
      stat = await fsp.stat(source.path);
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      throw new AppError(
        'not-found',
        code === 'EACCES' || code === 'EPERM'
          ? `${name} could not be read (permission denied).`
          : `${name} could not be read (the file does not exist).`,
      );
    }
    if (!stat.isFile()) throw new AppError('invalid-input', `${name} is a folder or device, not an image file.`);
    return source.path;
  }
}

function displayName(source: ImportSource): string {
  const raw = source.kind === 'path' ? source.path : source.name;
  // Either separator: an upload's name comes from whatever OS the browser ran on.
  const base = raw.split(/[\\/]/).filter(Boolean).pop() ?? raw;
  return base.replace(/\p{Cc}/gu, '').slice(0, 255) || 'unnamed file';
}

function failureMessage(error: unknown, name: string): string {
  if (error instanceof AppError) return error.message;
  const code = (error as NodeJS.ErrnoException | null)?.code;
  if (code === 'ENOSPC') return `${name} could not be imported (the disk is full).`;
  if (code === 'EACCES' || code === 'EPERM') return `${name} could not be imported (permission denied).`;
  return `${name} could not be imported because of an internal error; details are in the log.`;
}

/** Creates a folder and, when it is new, makes its entry in the parent durable before files go in. */
async function ensureDir(dir: string): Promise<void> {
  const created = await fsp.mkdir(dir, { recursive: true });
  if (created) await fsyncDir(path.dirname(dir));
}
