import { create } from 'zustand';

export const SECTIONS = [
  { id: 'catalog', label: 'Catalog' },
  { id: 'capture', label: 'Capture' },
  { id: 'viewer', label: 'Viewer' },
  { id: 'models', label: 'Models' },
  { id: 'holography', label: 'Holography' },
] as const;
export type Section = (typeof SECTIONS)[number]['id'];

export interface Notice {
  id: number;
  message: string;
}

interface ShellState {
  section: Section;
  /** Errors that belong to no form: failed deletes, lost loads. Each stays until dismissed. */
  notices: Notice[];
  showSection: (section: Section) => void;
  notify: (message: string) => void;
  dismiss: (id: number) => void;
}

let nextNotice = 1;

export const useShell = create<ShellState>()((set) => ({
  section: 'catalog',
  notices: [],
  showSection: (section) => set({ section }),
  notify: (message) =>
    set((s) => {
      // The same failure repeated (a reload loop, a double click) is shown once.
      if (s.notices.some((n) => n.message === message)) return s;
      return { notices: [...s.notices.slice(-4), { id: nextNotice++, message }] };
    }),
  dismiss: (id) => set((s) => ({ notices: s.notices.filter((n) => n.id !== id) })),
}));
