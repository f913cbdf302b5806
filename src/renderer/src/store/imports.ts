/**
 * Image imports, one run per session: upload each chosen file, start `captures.import`, then follow the job's
 * progress events until it ends. Progress events can arrive before `captures.import` has answered with the job
 * id, so events for unknown jobs are kept briefly and claimed when the id is known.
 */
import { create } from 'zustand';
import type { JobProgress } from '../../../shared/contract';
import { lucida, upload } from '../bridge';
import { messageOf } from '../lib/errors';
import { useShell } from './shell';

export type ImportPhase = 'uploading' | 'importing' | 'finished';

export interface ImportFailure {
  name: string;
  message: string;
}

export interface ImportRun {
  sessionId: number;
  phase: ImportPhase;
  fileCount: number;
  uploaded: number;
  bytesTotal: number;
  bytesUploaded: number;
  currentName: string | null;
  jobId: string | null;
  progress: JobProgress | null;
  /** Files the host refused at upload, before the import job saw them. */
  uploadFailures: ImportFailure[];
  /** How the run ended, in a sentence; null while running. */
  outcome: string | null;
  cancelling: boolean;
}

interface ImportsState {
  runs: Record<number, ImportRun>;
  start: (sessionId: number, files: readonly File[]) => Promise<void>;
  cancel: (sessionId: number) => Promise<void>;
  dismiss: (sessionId: number) => void;
}

const controllers = new Map<number, AbortController>();
const unclaimed = new Map<string, JobProgress>();
let listening = false;

export function failuresOf(run: ImportRun): ImportFailure[] {
  return [...run.uploadFailures, ...(run.progress?.failures ?? [])];
}

function summarize(run: ImportRun, progress: JobProgress | null): string {
  const count = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
  const refused = run.uploadFailures.length;
  const refusedNote = refused ? ` ${count(refused, 'file')} could not be uploaded.` : '';
  // The host's own summary knows what it imported; the window only adds what never reached it.
  if (progress?.message) return `${progress.message}${refusedNote}`;
  if (progress) {
    const imported = progress.done - progress.failures.length;
    return `Imported ${count(imported, 'image')}; ${count(failuresOf(run).length, 'file')} could not be imported.`;
  }
  if (run.cancelling) return 'Import cancelled before any image was imported.';
  return refused ? `Nothing was imported: ${count(refused, 'file')} could not be uploaded.` : 'Nothing was imported.';
}

export const useImports = create<ImportsState>()((set, get) => {
  const patch = (sessionId: number, change: Partial<ImportRun> | ((run: ImportRun) => Partial<ImportRun>)) =>
    set((s) => {
      const run = s.runs[sessionId];
      if (!run) return s;
      const next = typeof change === 'function' ? change(run) : change;
      return { runs: { ...s.runs, [sessionId]: { ...run, ...next } } };
    });

  const apply = (progress: JobProgress) => {
    const run = Object.values(get().runs).find((r) => r.jobId === progress.jobId);
    if (!run) {
      unclaimed.set(progress.jobId, progress);
      setTimeout(() => unclaimed.delete(progress.jobId), 60_000);
      return;
    }
    patch(run.sessionId, (r) => {
      const finished = progress.state !== 'running';
      const next: ImportRun = { ...r, progress };
      return { progress, phase: finished ? 'finished' : 'importing', outcome: finished ? summarize(next, progress) : null };
    });
  };

  const listen = () => {
    if (listening) return;
    listening = true;
    lucida().on('job.progress', apply);
  };

  return {
    runs: {},

    async start(sessionId, files) {
      listen();
      const existing = get().runs[sessionId];
      if (existing && existing.phase !== 'finished') return;
      const controller = new AbortController();
      controllers.set(sessionId, controller);
      const run: ImportRun = {
        sessionId,
        phase: 'uploading',
        fileCount: files.length,
        uploaded: 0,
        bytesTotal: files.reduce((sum, f) => sum + f.size, 0),
        bytesUploaded: 0,
        currentName: null,
        jobId: null,
        progress: null,
        uploadFailures: [],
        outcome: null,
        cancelling: false,
      };
      set((s) => ({ runs: { ...s.runs, [sessionId]: run } }));

      const sources: { kind: 'upload'; uploadId: string; name: string }[] = [];
      for (const file of files) {
        if (controller.signal.aborted) break;
        patch(sessionId, { currentName: file.name });
        const before = get().runs[sessionId]?.bytesUploaded ?? 0;
        try {
          const uploadId = await upload(file, {
            signal: controller.signal,
            onProgress: (sent) => patch(sessionId, { bytesUploaded: before + Math.min(sent, file.size) }),
          });
          sources.push({ kind: 'upload', uploadId, name: file.name });
        } catch (error) {
          if (controller.signal.aborted) break;
          patch(sessionId, (r) => ({ uploadFailures: [...r.uploadFailures, { name: file.name, message: messageOf(error) }] }));
        }
        patch(sessionId, (r) => ({ uploaded: r.uploaded + 1, bytesUploaded: before + file.size }));
      }
      controllers.delete(sessionId);

      const finish = (extra: Partial<ImportRun> = {}) =>
        patch(sessionId, (r) => {
          const next = { ...r, ...extra, phase: 'finished' as const, currentName: null };
          return { ...next, outcome: next.outcome ?? summarize(next, null) };
        });

      if (controller.signal.aborted) {
        finish({ outcome: `Import cancelled before any image was imported.` });
        return;
      }
      if (sources.length === 0) {
        finish();
        return;
      }
      patch(sessionId, { phase: 'importing', currentName: null });
      try {
        const { jobId } = await lucida().captures.import({ sessionId, sources });
        patch(sessionId, { jobId });
        // Cancel was pressed while the job was being created.
        if (get().runs[sessionId]?.cancelling) void lucida().jobs.cancel({ jobId }).catch(() => undefined);
        const early = unclaimed.get(jobId);
        if (early) {
          unclaimed.delete(jobId);
          apply(early);
        }
      } catch (error) {
        finish({ outcome: `The import did not start: ${messageOf(error)}` });
      }
    },

    async cancel(sessionId) {
      const run = get().runs[sessionId];
      if (!run || run.phase === 'finished') return;
      patch(sessionId, { cancelling: true });
      controllers.get(sessionId)?.abort();
      if (run.jobId) {
        try {
          await lucida().jobs.cancel({ jobId: run.jobId });
        } catch (error) {
          patch(sessionId, { cancelling: false });
          useShell.getState().notify(`Could not cancel the import: ${messageOf(error)}`);
        }
      }
    },

    dismiss(sessionId) {
      set((s) => {
        const run = s.runs[sessionId];
        if (!run || run.phase !== 'finished') return s;
        const runs = { ...s.runs };
        delete runs[sessionId];
        return { runs };
      });
    },
  };
});
