import { create } from 'zustand';

export type Editor =
  | { kind: 'specimen'; id: number | null }
  | { kind: 'session'; id: number | null; specimenId: number | null };

/** What the Catalog section has selected and which form is open; the rows themselves are loaded by the views. */
interface CatalogState {
  specimenId: number | null;
  sessionId: number | null;
  editor: Editor | null;
  selectSpecimen: (id: number | null) => void;
  selectSession: (id: number | null, specimenId?: number | null) => void;
  openEditor: (editor: Editor) => void;
  closeEditor: () => void;
}

export const useCatalog = create<CatalogState>()((set) => ({
  specimenId: null,
  sessionId: null,
  editor: null,
  selectSpecimen: (id) => set((s) => (s.specimenId === id ? s : { specimenId: id, sessionId: null })),
  selectSession: (id, specimenId) =>
    set((s) => ({ sessionId: id, specimenId: specimenId === undefined ? s.specimenId : specimenId })),
  openEditor: (editor) => set({ editor }),
  closeEditor: () => set({ editor: null }),
}));
