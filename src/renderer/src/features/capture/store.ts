/** The Capture section's UI state: which session captures go to, the live readouts, and the running job. */
import { create } from 'zustand';
import type { CaptureState, JobProgress, LiveFrameHeader } from '../../../../shared/contract';
import type { LiveStats } from './live-client';

interface CaptureUiState {
  sessionId: number | null;
  /** What the host last said about the camera. */
  camera: CaptureState | null;
  /** The newest frame's header (histogram, focus score, stage) and the view's own rate. */
  frame: LiveFrameHeader | null;
  stats: LiveStats;
  /** The newest live-enhancement result's header (model, provider, rate), or null while none shows. */
  enhanced: LiveFrameHeader | null;
  setEnhanced: (header: LiveFrameHeader | null) => void;
  job: JobProgress | null;
  /** Stage step for keys and buttons, as a fraction of the field of view. */
  stepFraction: number;
  selectSession: (id: number | null) => void;
  setCamera: (camera: CaptureState) => void;
  setFrame: (frame: LiveFrameHeader) => void;
  setStats: (stats: LiveStats) => void;
  setJob: (job: JobProgress | null) => void;
  setStepFraction: (f: number) => void;
}

export const useCapture = create<CaptureUiState>()((set) => ({
  sessionId: null,
  camera: null,
  frame: null,
  stats: { fps: 0, drawn: 0, dropped: 0, latencyMs: null, connected: false },
  job: null,
  enhanced: null,
  setEnhanced: (enhanced) => set({ enhanced }),
  stepFraction: 0.1,
  selectSession: (sessionId) => set({ sessionId }),
  setCamera: (camera) => set({ camera }),
  setFrame: (frame) => set({ frame }),
  setStats: (stats) => set({ stats }),
  setJob: (job) => set({ job }),
  setStepFraction: (stepFraction) => set({ stepFraction }),
}));
