import { create } from 'zustand';

interface ViewerState {
  captureId: number | null;
  open: (captureId: number | null) => void;
}

export const useViewer = create<ViewerState>()((set) => ({
  captureId: null,
  open: (captureId) => set({ captureId }),
}));
