/** The holography panel's UI state: which session and capture are open, the running job, the result being refocused. */
import { create } from 'zustand';
import type { JobProgress } from '../../../../shared/contract';

interface HolographyState {
  sessionId: number | null;
  captureId: number | null;
  /** The reconstruction job started from this panel, with its latest progress event. */
  job: { jobId: string; captureId: number; progress: JobProgress | null; cancelling: boolean } | null;
  refocusId: string | null;
  selectSession: (id: number | null) => void;
  selectCapture: (id: number | null) => void;
  startJob: (jobId: string, captureId: number) => void;
  onProgress: (progress: JobProgress) => void;
  setCancelling: () => void;
  clearJob: () => void;
  refocus: (reconstructionId: string | null) => void;
}

export const useHolography = create<HolographyState>()((set) => ({
  sessionId: null,
  captureId: null,
  job: null,
  refocusId: null,
  selectSession: (sessionId) => set({ sessionId, captureId: null, refocusId: null }),
  selectCapture: (captureId) => set({ captureId, refocusId: null }),
  startJob: (jobId, captureId) => set({ job: { jobId, captureId, progress: null, cancelling: false } }),
  onProgress: (progress) => set((s) => (s.job && s.job.jobId === progress.jobId ? { job: { ...s.job, progress } } : s)),
  setCancelling: () => set((s) => (s.job ? { job: { ...s.job, cancelling: true } } : s)),
  clearJob: () => set({ job: null }),
  refocus: (refocusId) => set({ refocusId }),
}));
