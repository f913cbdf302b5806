import { useEffect, useId, useRef, useState } from 'react';
import type { SearchHit } from '../../../shared/contract';
import { lucida } from '../bridge';
import { messageOf } from '../lib/errors';
import { openCaptureById, openSession, openSpecimen } from '../lib/navigate';

export const SEARCH_INPUT_ID = 'global-search';

const KIND_LABEL: Record<SearchHit['kind'], string> = { specimen: 'Specimen', session: 'Session', capture: 'Capture' };

function openHit(hit: SearchHit) {
  if (hit.kind === 'specimen') openSpecimen(hit.id);
  else if (hit.kind === 'session') void openSession(hit.id);
  else void openCaptureById(hit.id);
}

/** The header's search: results appear as you type (newest query wins) and open with a click or Enter. */
export function SearchBox() {
  const [text, setText] = useState('');
  const [hits, setHits] = useState<SearchHit[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [open, setOpen] = useState(false);
  const [active, setActive] = useState(0);
  const seq = useRef(0);
  const rootRef = useRef<HTMLDivElement>(null);
  const listId = useId();

  useEffect(() => {
    const query = text.trim();
    const mine = ++seq.current;
    if (!query) {
      setHits(null);
      setError(null);
      return;
    }
    const timer = setTimeout(() => {
      lucida()
        .search.query({ text: query, limit: 30 })
        .then(
          (result) => {
            if (mine !== seq.current) return;
            setHits(result);
            setError(null);
            setActive(0);
          },
          (err: unknown) => {
            if (mine !== seq.current) return;
            setHits([]);
            setError(messageOf(err));
          },
        );
    }, 150);
    return () => clearTimeout(timer);
  }, [text]);

  useEffect(() => {
    const onPointer = (event: PointerEvent) => {
      if (rootRef.current && !rootRef.current.contains(event.target as Node)) setOpen(false);
    };
    document.addEventListener('pointerdown', onPointer);
    return () => document.removeEventListener('pointerdown', onPointer);
  }, []);

  const choose = (hit: SearchHit) => {
    setOpen(false);
    openHit(hit);
  };

  const showPanel = open && text.trim().length > 0 && (hits !== null || error !== null);

  return (
    <div className="search" ref={rootRef} role="search">
      <label htmlFor={SEARCH_INPUT_ID} className="visually-hidden">
        Search catalog
      </label>
      <input
        id={SEARCH_INPUT_ID}
        type="search"
        placeholder="Search specimens, sessions, captures  (Ctrl+K)"
        autoComplete="off"
        spellCheck={false}
        value={text}
        aria-controls={listId}
        aria-expanded={showPanel}
        onChange={(e) => {
          setText(e.target.value);
          setOpen(true);
        }}
        onFocus={() => setOpen(true)}
        onKeyDown={(e) => {
          if (e.key === 'Escape') {
            if (open) setOpen(false);
            else setText('');
            e.stopPropagation();
          } else if (e.key === 'ArrowDown' && hits?.length) {
            e.preventDefault();
            setOpen(true);
            setActive((a) => Math.min(hits.length - 1, a + 1));
          } else if (e.key === 'ArrowUp' && hits?.length) {
            e.preventDefault();
            setActive((a) => Math.max(0, a - 1));
          } else if (e.key === 'Enter' && hits?.[active]) {
            e.preventDefault();
            choose(hits[active]);
          }
        }}
      />
      {showPanel ? (
        <div className="search-results" id={listId}>
          {error ? (
            <p className="form-error" role="alert">
              {error}
            </p>
          ) : hits && hits.length === 0 ? (
            <p className="muted search-empty">Nothing matches “{text.trim()}”.</p>
          ) : (
            <ul aria-label="Search results">
              {hits?.map((hit, index) => (
                <li key={`${hit.kind}-${hit.id}`}>
                  <button
                    type="button"
                    className={index === active ? 'search-hit active' : 'search-hit'}
                    onMouseEnter={() => setActive(index)}
                    onClick={() => choose(hit)}
                  >
                    <span className={`kind kind-${hit.kind}`}>{KIND_LABEL[hit.kind]}</span>
                    <span className="search-title">{hit.title}</span>
                    {hit.snippet ? <span className="search-snippet muted">{hit.snippet}</span> : null}
                  </button>
                </li>
              ))}
            </ul>
          )}
        </div>
      ) : null}
    </div>
  );
}
