/**
 * Loads what a view displays straight from the API and keeps it fresh: it reloads when the catalog announces a
 * change to one of the watched entities and when the connection to the host comes back. The newest request
 * wins, so a slow answer for a previously selected item never replaces the current one.
 */
import { useCallback, useEffect, useRef, useState } from 'react';
import type { EventPayload } from '../../../shared/contract';
import { lucida } from '../bridge';
import { useConnection } from '../store/connection';
import { messageOf } from './errors';

export type Entity = EventPayload<'catalog.changed'>['entity'];

export interface CallState<T> {
  data: T | undefined;
  error: string | null;
  loading: boolean;
  reload: () => void;
}

interface Internal<T> {
  key: string | null;
  data: T | undefined;
  error: string | null;
  loading: boolean;
}

export function useCall<T>(key: string | null, load: () => Promise<T>, watch: readonly Entity[] = []): CallState<T> {
  const [state, setState] = useState<Internal<T>>({ key, data: undefined, error: null, loading: key !== null });
  const [tick, setTick] = useState(0);
  const reconnects = useConnection((s) => s.reconnects);
  const loadRef = useRef(load);
  useEffect(() => {
    loadRef.current = load;
  });

  useEffect(() => {
    if (key === null) {
      setState({ key, data: undefined, error: null, loading: false });
      return;
    }
    let live = true;
    setState((s) => (s.key === key ? { ...s, loading: true } : { key, data: undefined, error: null, loading: true }));
    loadRef.current().then(
      (data) => {
        if (live) setState({ key, data, error: null, loading: false });
      },
      (error: unknown) => {
        if (live) setState((s) => ({ key, data: s.key === key ? s.data : undefined, error: messageOf(error), loading: false }));
      },
    );
    return () => {
      live = false;
    };
  }, [key, tick, reconnects]);

  const watched = watch.join(',');
  useEffect(() => {
    if (!watched) return;
    const entities = watched.split(',');
    let timer: ReturnType<typeof setTimeout> | undefined;
    const off = lucida().on('catalog.changed', (change) => {
      if (!entities.includes(change.entity)) return;
      // An import announces every capture; one reload per burst is enough.
      clearTimeout(timer);
      timer = setTimeout(() => setTick((t) => t + 1), 120);
    });
    return () => {
      off();
      clearTimeout(timer);
    };
  }, [watched]);

  const reload = useCallback(() => setTick((t) => t + 1), []);
  const current = state.key === key;
  return {
    data: current ? state.data : undefined,
    error: current ? state.error : null,
    loading: current ? state.loading : key !== null,
    reload,
  };
}
