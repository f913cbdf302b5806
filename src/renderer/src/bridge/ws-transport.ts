/**
 * The browser host's transport: one WebSocket to `/rpc` carrying calls, results and events (framing in
 * `src/shared/wire.ts`). The socket reconnects on its own with a capped backoff; a call that was in flight when
 * the socket dropped is answered with a readable `internal` error instead of hanging, because the host may or
 * may not have run it and only the person can decide whether to try again.
 */
import { events, type CallName, type Envelope, type EventName } from '../../../shared/contract';
import type { Transport } from '../../../shared/api';
import { isAppErrorShape } from '../../../shared/errors';
import { RPC_PATH, type ClientMessage } from '../../../shared/wire';

export type ConnectionStatus = 'connecting' | 'open' | 'closed';

export interface ConnectionState {
  status: ConnectionStatus;
  /** Consecutive failed attempts since the last successful open. */
  attempt: number;
  /** How many times the socket has re-opened after having been open once; views reload when it changes. */
  reconnects: number;
}

export interface WsTransportOptions {
  url: string;
  onState?: (state: ConnectionState) => void;
  /** How long a call made while disconnected waits for the socket before it fails. */
  queueTimeoutMs?: number;
  backoffMs?: { initial: number; max: number };
}

export const LOST_CONNECTION_MESSAGE =
  'Lost the connection to the Lucida host before it answered; the action may or may not have completed. Lucida is reconnecting — check the result and try again.';
const UNREACHABLE_MESSAGE =
  'Cannot reach the Lucida host. Check that it is still running; Lucida keeps trying to reconnect.';
const UNREADABLE_REPLY_MESSAGE = 'The Lucida host sent a reply this window could not read; the action may not have completed.';

type Pending = { resolve: (envelope: Envelope<unknown>) => void; sent: boolean; timer: ReturnType<typeof setTimeout> | null; message: string };

function failure(message: string): Envelope<unknown> {
  return { ok: false, error: { code: 'internal', message } };
}

function toEnvelope(value: unknown): Envelope<unknown> {
  if (typeof value !== 'object' || value === null) return failure(UNREADABLE_REPLY_MESSAGE);
  const candidate = value as { ok?: unknown; value?: unknown; error?: unknown };
  if (candidate.ok === true) return { ok: true, value: candidate.value };
  if (candidate.ok === false && isAppErrorShape(candidate.error)) return { ok: false, error: candidate.error };
  return failure(UNREADABLE_REPLY_MESSAGE);
}

export function defaultRpcUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${RPC_PATH}`;
}

export function createWsTransport(options: WsTransportOptions): Transport & { close(): void } {
  const queueTimeoutMs = options.queueTimeoutMs ?? 15_000;
  const backoff = options.backoffMs ?? { initial: 250, max: 5_000 };
  const pending = new Map<number, Pending>();
  const listeners = new Map<EventName, Set<(payload: unknown) => void>>();
  let socket: WebSocket | null = null;
  let nextId = 1;
  let state: ConnectionState = { status: 'connecting', attempt: 0, reconnects: 0 };
  let everOpened = false;
  let closedByUs = false;
  let retryTimer: ReturnType<typeof setTimeout> | null = null;

  const setState = (next: ConnectionState) => {
    state = next;
    options.onState?.(state);
  };

  const settle = (id: number, envelope: Envelope<unknown>) => {
    const entry = pending.get(id);
    if (!entry) return;
    pending.delete(id);
    if (entry.timer) clearTimeout(entry.timer);
    entry.resolve(envelope);
  };

  const flush = () => {
    if (!socket || socket.readyState !== WebSocket.OPEN) return;
    for (const [, entry] of pending) {
      if (entry.sent) continue;
      if (entry.timer) clearTimeout(entry.timer);
      entry.timer = null;
      entry.sent = true;
      socket.send(entry.message);
    }
  };

  const deliver = (event: string, payload: unknown) => {
    if (!Object.hasOwn(events, event)) return;
    const name = event as EventName;
    const parsed = events[name].safeParse(payload);
    if (!parsed.success) {
      console.warn(`[lucida] ignored a malformed ${name} event`, parsed.error.issues);
      return;
    }
    for (const listener of listeners.get(name) ?? []) {
      try {
        listener(parsed.data);
      } catch (error) {
        console.error(`[lucida] a ${name} listener failed`, error);
      }
    }
  };

  const onMessage = (raw: unknown) => {
    if (typeof raw !== 'string') return;
    let message: unknown;
    try {
      message = JSON.parse(raw);
    } catch {
      console.warn('[lucida] ignored a frame that is not JSON');
      return;
    }
    if (typeof message !== 'object' || message === null) return;
    const frame = message as { type?: unknown; id?: unknown; envelope?: unknown; event?: unknown; payload?: unknown };
    if (frame.type === 'result' && typeof frame.id === 'number') settle(frame.id, toEnvelope(frame.envelope));
    else if (frame.type === 'event' && typeof frame.event === 'string') deliver(frame.event, frame.payload);
  };

  const scheduleReconnect = () => {
    if (closedByUs || retryTimer) return;
    const delay = Math.min(backoff.max, backoff.initial * 2 ** Math.min(state.attempt, 10));
    retryTimer = setTimeout(() => {
      retryTimer = null;
      connect();
    }, delay);
  };

  function connect() {
    let ws: WebSocket;
    try {
      ws = new WebSocket(options.url);
    } catch (error) {
      console.error('[lucida] could not open the host connection', error);
      setState({ ...state, status: 'closed', attempt: state.attempt + 1 });
      scheduleReconnect();
      return;
    }
    socket = ws;
    setState({ ...state, status: 'connecting' });
    ws.onopen = () => {
      const reconnects = everOpened ? state.reconnects + 1 : state.reconnects;
      everOpened = true;
      setState({ status: 'open', attempt: 0, reconnects });
      flush();
    };
    ws.onmessage = (event) => onMessage(event.data);
    ws.onclose = () => {
      if (socket === ws) socket = null;
      // Calls already sent are lost with the socket; queued ones wait for the next connection.
      for (const [id, entry] of [...pending]) if (entry.sent) settle(id, failure(LOST_CONNECTION_MESSAGE));
      if (closedByUs) return;
      setState({ ...state, status: 'closed', attempt: state.attempt + 1 });
      scheduleReconnect();
    };
    // An error is always followed by close, which does the bookkeeping.
    ws.onerror = () => {};
  }

  connect();

  return {
    invoke(channel: CallName, payload: unknown) {
      return new Promise<Envelope<unknown>>((resolve) => {
        const id = nextId++;
        const frame: ClientMessage = { type: 'call', id, channel, payload };
        let message: string;
        try {
          message = JSON.stringify(frame);
        } catch {
          resolve({ ok: false, error: { code: 'invalid-input', message: 'This request cannot be sent to the host (it is not plain data).' } });
          return;
        }
        const entry: Pending = { resolve, sent: false, timer: null, message };
        pending.set(id, entry);
        if (socket && socket.readyState === WebSocket.OPEN) {
          entry.sent = true;
          socket.send(message);
        } else {
          entry.timer = setTimeout(() => settle(id, failure(UNREACHABLE_MESSAGE)), queueTimeoutMs);
        }
      });
    },
    subscribe(event: EventName, listener: (payload: unknown) => void) {
      let set = listeners.get(event);
      if (!set) listeners.set(event, (set = new Set()));
      set.add(listener);
      return () => {
        set.delete(listener);
      };
    },
    close() {
      closedByUs = true;
      if (retryTimer) clearTimeout(retryTimer);
      socket?.close();
      for (const [id] of [...pending]) settle(id, failure(LOST_CONNECTION_MESSAGE));
    },
  };
}
