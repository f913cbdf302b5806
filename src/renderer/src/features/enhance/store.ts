/**
 * Enhancement jobs the user started from this window (one capture, or a whole session), kept by what they run on
 * so the progress survives leaving and reopening a view. Progress arrives as `job.progress` events.
 */
import { create } from 'zustand';
import type { JobProgress } from '../../../../shared/contract';
import { lucida } from '../../bridge';
import { messageOf } from '../../lib/errors';

export type EnhanceTarget = `capture-${number}` | `session-${number}`;
export type Provider = 'cuda' | 'dml' | 'coreml' | 'webgpu' | 'cpu';

export interface EnhanceRun {
  jobId: string | null;
  progress: JobProgress | null;
  error: string | null;
  cancelling: boolean;
}

interface EnhanceState {
  runs: Partial<Record<EnhanceTarget, EnhanceRun>>;
  /** Events that arrived before their job id was known (the call's answer can lose the race). */
  early: Record<string, JobProgress>;
  start: (target: EnhanceTarget, options: { modelId?: string; provider?: Provider }) => Promise<void>;
  cancel: (target: EnhanceTarget) => Promise<void>;
  clear: (target: EnhanceTarget) => void;
}

const KINDS = new Set(['captures.enhance', 'sessions.enhanceAll']);
let listening = false;

export const useEnhance = create<EnhanceState>((set, get) => {
  const apply = (p: JobProgress) => {
    if (!KINDS.has(p.kind)) return;
    const entry = Object.entries(get().runs).find(([, r]) => r?.jobId === p.jobId);
    if (!entry) {
      set((s) => ({ early: { ...s.early, [p.jobId]: p } }));
      return;
    }
    set((s) => ({ runs: { ...s.runs, [entry[0]]: { ...entry[1]!, progress: p } } }));
  };
  return {
    runs: {},
    early: {},
    start: async (target, options) => {
      if (!listening) {
        listening = true;
        lucida().on('job.progress', apply);
      }
      set((s) => ({ runs: { ...s.runs, [target]: { jobId: null, progress: null, error: null, cancelling: false } } }));
      try {
        const [kind, idText] = target.split('-');
        const id = Number(idText);
        const { jobId } =
          kind === 'capture' ? await lucida().captures.enhance({ captureId: id, ...options }) : await lucida().sessions.enhanceAll({ sessionId: id, ...options });
        const early = get().early[jobId] ?? null;
        set((s) => ({ runs: { ...s.runs, [target]: { jobId, progress: early, error: null, cancelling: false } } }));
      } catch (error) {
        set((s) => ({ runs: { ...s.runs, [target]: { jobId: null, progress: null, error: messageOf(error), cancelling: false } } }));
      }
    },
    cancel: async (target) => {
      const run = get().runs[target];
      if (!run?.jobId) return;
      set((s) => ({ runs: { ...s.runs, [target]: { ...run, cancelling: true } } }));
      await lucida().jobs.cancel({ jobId: run.jobId }).catch(() => undefined);
    },
    clear: (target) => set((s) => ({ runs: { ...s.runs, [target]: undefined } })),
  };
});

export const isRunning = (run: EnhanceRun | undefined): boolean => !!run && !run.error && (run.progress === null || run.progress.state === 'running');
