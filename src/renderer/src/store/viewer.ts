import { create } from 'zustand';
import type { DisplayRequest } from '../../../shared/contract';

export const COMPARE_MODES = [
  { id: 'side-by-side', label: 'Side by side' },
  { id: 'curtain', label: 'Curtain' },
  { id: 'blink', label: 'Blink' },
  { id: 'difference', label: 'Difference' },
] as const;
export type CompareMode = (typeof COMPARE_MODES)[number]['id'];

export type ViewerTool = 'pan' | 'ruler' | 'point' | 'rectangle' | 'polygon' | 'text';

/**
 * What the Viewer section shows and how: the capture, the compare mode, which layer each pane shows (by layer key:
 * `raw` or `d<derivative id>`) with its display settings, and the instruments in use. Views (positions) live in the
 * panes themselves and in localStorage, not here: they change every frame.
 */
interface ViewerState {
  captureId: number | null;
  mode: CompareMode;
  locked: boolean;
  /** Layer key per pane in side by side (1 to 4); curtain and blink use the first two. */
  paneLayers: string[];
  /** Window, gamma and colour map per layer key (applies in every pane showing that layer). */
  displays: Record<string, DisplayRequest>;
  /** Where the curtain divides, as a fraction of the pane width. */
  curtain: number;
  blinkRunning: boolean;
  tool: ViewerTool;
  helpOpen: boolean;
  /** The pane the keyboard acts on (the last one the user touched). */
  activePane: number;
  /** What a pane showed before R switched it to raw, so R again switches back. */
  beforeRaw: { pane: number; layer: string } | null;
  open: (captureId: number | null) => void;
  setMode: (mode: CompareMode) => void;
  nextMode: () => void;
  toggleLock: () => void;
  setPaneLayers: (layers: string[]) => void;
  setPaneLayer: (pane: number, layer: string) => void;
  setDisplay: (layer: string, display: DisplayRequest) => void;
  setCurtain: (fraction: number) => void;
  setBlinkRunning: (running: boolean) => void;
  setTool: (tool: ViewerTool) => void;
  setHelpOpen: (open: boolean) => void;
  setActivePane: (pane: number) => void;
  toggleRaw: () => void;
}

export const useViewer = create<ViewerState>()((set) => ({
  captureId: null,
  mode: 'side-by-side',
  locked: true,
  paneLayers: [],
  displays: {},
  curtain: 0.5,
  blinkRunning: true,
  tool: 'pan',
  helpOpen: false,
  activePane: 0,
  beforeRaw: null,
  open: (captureId) =>
    set((s) => (s.captureId === captureId ? s : { captureId, paneLayers: [], displays: {}, beforeRaw: null, activePane: 0, tool: 'pan' })),
  setMode: (mode) => set({ mode, beforeRaw: null }),
  nextMode: () =>
    set((s) => {
      const i = COMPARE_MODES.findIndex((m) => m.id === s.mode);
      return { mode: COMPARE_MODES[(i + 1) % COMPARE_MODES.length].id, beforeRaw: null };
    }),
  toggleLock: () => set((s) => ({ locked: !s.locked })),
  setPaneLayers: (paneLayers) => set({ paneLayers: paneLayers.slice(0, 4) }),
  setPaneLayer: (pane, layer) =>
    set((s) => {
      const paneLayers = [...s.paneLayers];
      paneLayers[pane] = layer;
      return { paneLayers, beforeRaw: null };
    }),
  setDisplay: (layer, display) => set((s) => ({ displays: { ...s.displays, [layer]: display } })),
  setCurtain: (fraction) => set({ curtain: Math.min(1, Math.max(0, fraction)) }),
  setBlinkRunning: (blinkRunning) => set({ blinkRunning }),
  setTool: (tool) => set({ tool }),
  setHelpOpen: (helpOpen) => set({ helpOpen }),
  setActivePane: (activePane) => set((s) => (s.activePane === activePane ? s : { activePane })),
  toggleRaw: () =>
    set((s) => {
      const pane = s.mode === 'side-by-side' ? Math.min(s.activePane, s.paneLayers.length - 1) : 0;
      if (pane < 0) return s;
      if (s.beforeRaw && s.beforeRaw.pane === pane && s.paneLayers[pane] === 'raw') {
        const paneLayers = [...s.paneLayers];
        paneLayers[pane] = s.beforeRaw.layer;
        return { paneLayers, beforeRaw: null };
      }
      if (s.paneLayers[pane] === 'raw') return s;
      const paneLayers = [...s.paneLayers];
      const before = { pane, layer: paneLayers[pane] };
      paneLayers[pane] = 'raw';
      return { paneLayers, beforeRaw: before, mode: s.mode === 'side-by-side' ? s.mode : 'side-by-side' };
    }),
}));
