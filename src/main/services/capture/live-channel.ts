/**
 * One live view on one carrier, whatever the carrier: the browser host's `/live` WebSocket or the desktop app's
 * MessagePort (docs/adr/0006). Both carry the same packed frames (`u32le header length | header JSON | JPEG`)
 * from LiveHub and the same flow control: the view answers `ready` after drawing a frame, at most LIVE_WINDOW
 * frames are unacknowledged, and while the view is not ready the hub keeps only the newest frame for it.
 */
import { packLiveFrame, type LiveHub } from './live';

/** Frames sent and not yet acknowledged; 2 lets one frame travel while the view draws the previous one. */
export const LIVE_WINDOW = 2;

export interface LiveChannel {
  /** Sends one packed frame. */
  send(packed: Buffer): void;
  /** Whether the carrier can still deliver (socket open, port not closed). */
  isOpen(): boolean;
  /** True while the carrier's own queue is too full to take another frame (a slow socket). */
  congested?(): boolean;
}

export interface AttachedLiveChannel {
  /** A message from the view: `ready` acknowledges one frame; anything else is ignored. */
  received(message: unknown): void;
  /** The carrier closed: the view leaves the hub. */
  closed(): void;
  /** Frames sent and not acknowledged yet (tests). */
  inFlight(): number;
}

export function attachLiveChannel(hub: LiveHub, channel: LiveChannel): AttachedLiveChannel {
  let inFlight = 0;
  let attached = true;
  const detach = hub.attach({
    ready: () => channel.isOpen() && inFlight < LIVE_WINDOW && !channel.congested?.(),
    send: (header, jpeg) => {
      inFlight++;
      channel.send(packLiveFrame(header, jpeg));
    },
  });
  return {
    received(message) {
      if (message !== 'ready' || !attached) return;
      inFlight = Math.max(0, inFlight - 1);
      hub.kick();
    },
    closed() {
      attached = false;
      detach();
    },
    inFlight: () => inFlight,
  };
}

/**
 * The message-port side of a live view, for Electron's MessagePortMain and Node's own MessagePort alike (both are
 * event emitters with `message` and `close`). Electron hands listeners a MessageEvent (`{ data }`), Node the value
 * itself; both are accepted. Frames go out as Uint8Array copies (a port cannot transfer a Buffer's memory).
 */
export interface LivePort {
  postMessage(message: Uint8Array): void;
  on(event: 'message' | 'close', listener: (message?: unknown) => void): unknown;
  start?(): void;
  close(): void;
}

export function serveLivePort(hub: LiveHub, port: LivePort): AttachedLiveChannel {
  let open = true;
  const live = attachLiveChannel(hub, {
    send: (packed) => port.postMessage(new Uint8Array(packed.buffer, packed.byteOffset, packed.byteLength)),
    isOpen: () => open,
  });
  port.on('message', (message) => {
    const data = typeof message === 'object' && message !== null && 'data' in message ? (message as { data: unknown }).data : message;
    live.received(data);
  });
  port.on('close', () => {
    open = false;
    live.closed();
  });
  port.start?.();
  return {
    ...live,
    closed() {
      if (!open) return;
      open = false;
      live.closed();
      port.close();
    },
  };
}
