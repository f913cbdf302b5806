import { useEffect, type ComponentType } from 'react';
import { lucida } from '../bridge';
import { CaptureView } from '../features/capture/CaptureView';
import { CatalogView } from '../features/catalog/CatalogView';
import { HolographyView } from '../features/holography/HolographyView';
import { ModelsView } from '../features/models/ModelsView';
import { ViewerView } from '../features/viewer/ViewerView';
import { useCall } from '../lib/use-call';
import { useCatalog } from '../store/catalog';
import { SECTIONS, useShell, type Section } from '../store/shell';
import { ConnectionBanner, Notices } from './Notices';
import { SEARCH_INPUT_ID, SearchBox } from './SearchBox';

function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return target.isContentEditable || ['INPUT', 'TEXTAREA', 'SELECT'].includes(target.tagName);
}

function useShortcuts() {
  useEffect(() => {
    const onKey = (event: KeyboardEvent) => {
      if (event.defaultPrevented) return;
      const digit = /^Digit([1-4])$/.exec(event.code);
      if (digit && (event.altKey || event.ctrlKey || event.metaKey) && !event.shiftKey) {
        event.preventDefault();
        useShell.getState().showSection(SECTIONS[Number(digit[1]) - 1].id);
        return;
      }
      if ((event.ctrlKey || event.metaKey) && event.key.toLowerCase() === 'k') {
        event.preventDefault();
        document.getElementById(SEARCH_INPUT_ID)?.focus();
        return;
      }
      if (isTyping(event.target) || event.ctrlKey || event.metaKey || event.altKey) return;
      if (document.querySelector('dialog[open]')) return;
      if (event.key === '/') {
        event.preventDefault();
        document.getElementById(SEARCH_INPUT_ID)?.focus();
      } else if ((event.key === 'n' || event.key === 'N') && useShell.getState().section === 'catalog') {
        event.preventDefault();
        useCatalog.getState().openEditor({ kind: 'specimen', id: null });
      }
    };
    window.addEventListener('keydown', onKey);
    return () => window.removeEventListener('keydown', onKey);
  }, []);
}

function HostInfo() {
  const info = useCall('app.info', () => lucida().app.info({}));
  if (!info.data) return <span className="host-info muted">{info.error ? 'Host unavailable' : ''}</span>;
  const { version, host, libraryDir, schemaVersion } = info.data;
  return (
    <span className="host-info muted" title={`Library: ${libraryDir}\nCatalog schema v${schemaVersion}`} data-testid="host-info">
      v{version} · {host === 'electron' ? 'desktop' : 'browser host'} · library <span className="mono">{libraryDir}</span>
    </span>
  );
}

const VIEWS: Record<Section, ComponentType> = {
  catalog: CatalogView,
  capture: CaptureView,
  viewer: ViewerView,
  models: ModelsView,
  holography: HolographyView,
};

export function App() {
  useShortcuts();
  const section = useShell((s) => s.section);
  const showSection = useShell((s) => s.showSection);
  const View = VIEWS[section];
  return (
    <div className="app">
      <header className="app-header">
        <div className="brand">
          <span className="brand-mark" aria-hidden="true" />
          <h1>Lucida</h1>
        </div>
        <nav className="sections" aria-label="Sections">
          <div
            role="tablist"
            aria-label="Sections"
            onKeyDown={(e) => {
              // Arrow keys move between tabs, as a tab list is expected to behave.
              const step = e.key === 'ArrowRight' ? 1 : e.key === 'ArrowLeft' ? -1 : 0;
              if (!step) return;
              e.preventDefault();
              const index = SECTIONS.findIndex((s) => s.id === section);
              const next = SECTIONS[(index + step + SECTIONS.length) % SECTIONS.length].id;
              showSection(next);
              document.getElementById(`tab-${next}`)?.focus();
            }}
          >
            {SECTIONS.map((s, i) => (
              <button
                key={s.id}
                type="button"
                role="tab"
                id={`tab-${s.id}`}
                aria-selected={section === s.id}
                tabIndex={section === s.id ? 0 : -1}
                aria-controls="section-panel"
                title={`${s.label} (Alt+${i + 1})`}
                className={section === s.id ? 'tab active' : 'tab'}
                onClick={() => showSection(s.id)}
              >
                {s.label}
              </button>
            ))}
          </div>
        </nav>
        <SearchBox />
        <HostInfo />
      </header>
      <ConnectionBanner />
      <Notices />
      <main id="section-panel" role="tabpanel" aria-labelledby={`tab-${section}`} className="section-panel">
        <View />
      </main>
    </div>
  );
}
