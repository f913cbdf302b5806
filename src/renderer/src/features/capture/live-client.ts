/**
 * The live view's receiving end: one "live frame source" over two transports — the browser host's `/live`
 * WebSocket and the desktop app's MessagePort (docs/adr/0006) — carrying the same binary frames (4-byte header
 * length, JSON header, JPEG). Frames are decoded off the main thread by createImageBitmap and handed to the canvas
 * without a copy (a `bitmaprenderer` context). After drawing a frame the page answers `ready`, and only then does
 * the host send another — the newest — so a busy page never builds a backlog; the frames it could not take show
 * up as gaps in the sequence numbers (dropped). The readouts (React) follow at a few updates a second, not per frame.
 */
import { LIVE_PATH, LIVE_PORT_MESSAGE, liveFrameHeaderSchema, type LiveFrameHeader } from '../../../../shared/contract';

export interface LiveStats {
  /** Frames drawn per second over the last second. */
  fps: number;
  drawn: number;
  /** Camera frames this view never showed (sequence gaps since it connected). */
  dropped: number;
  /** Camera frame exposed → pixels drawn, milliseconds (same machine clock). */
  latencyMs: number | null;
  connected: boolean;
}

/** How packed frames reach the page and acknowledgements go back. */
export interface LiveTransport {
  readonly kind: 'websocket' | 'message-port';
  /** Starts receiving; `frame` gets each packed frame, `state` whether the channel is up. */
  connect(events: { frame(data: ArrayBuffer | ArrayBufferView): void; state(connected: boolean): void }): void;
  /** The page has drawn the last frame: the host may send the next one. */
  ready(): void;
  close(): void;
}

export interface LiveClient {
  close(): void;
}

/** Test and benchmark hook: the numbers the readout shows, plus recent latencies. */
declare global {
  interface Window {
    __lucidaLive?: LiveStats & { latencies: number[]; lastSeq: number; transport: LiveTransport['kind'] };
    /** Electron's preload: asks main for the live view's MessagePort (it arrives as a window message). */
    lucidaLive?: { open(): void };
  }
}

/** How often the React readouts (rate, histogram, focus) follow the frames. */
const READOUT_INTERVAL_MS = 150;

export function liveUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${LIVE_PATH}`;
}

export function parseLiveMessage(data: ArrayBuffer | ArrayBufferView): { header: LiveFrameHeader; jpeg: Blob } {
  const bytes = data instanceof ArrayBuffer ? new Uint8Array(data) : new Uint8Array(data.buffer as ArrayBuffer, data.byteOffset, data.byteLength);
  const length = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength).getUint32(0, true);
  const header = liveFrameHeaderSchema.parse(JSON.parse(new TextDecoder().decode(bytes.subarray(4, 4 + length))));
  return { header, jpeg: new Blob([bytes.subarray(4 + length)], { type: 'image/jpeg' }) };
}

/** The browser host's transport: WebSocket `/live`, reconnecting a second after it drops. */
export function webSocketTransport(url: string): LiveTransport {
  let socket: WebSocket | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  return {
    kind: 'websocket',
    connect(events) {
      const open = () => {
        const ws = new WebSocket(url);
        socket = ws;
        ws.binaryType = 'arraybuffer';
        ws.onopen = () => events.state(true);
        ws.onclose = () => {
          events.state(false);
          if (!closed) retry = setTimeout(open, 1000);
        };
        ws.onmessage = (event) => {
          if (event.data instanceof ArrayBuffer) events.frame(event.data);
        };
      };
      open();
    },
    ready() {
      if (socket && socket.readyState === WebSocket.OPEN) socket.send('ready');
    },
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    },
  };
}

/**
 * The desktop app's transport: a MessagePort from the main process. The preload asks for it
 * (`window.lucidaLive.open()`) and posts it to this window in a message whose data is LIVE_PORT_MESSAGE; asking
 * again (a remount) replaces the previous port, which main then closes.
 */
export function messagePortTransport(win: Window = window): LiveTransport {
  let port: MessagePort | null = null;
  let onWindowMessage: ((event: MessageEvent) => void) | null = null;
  return {
    kind: 'message-port',
    connect(events) {
      onWindowMessage = (event) => {
        if (event.source !== win || event.data !== LIVE_PORT_MESSAGE || !event.ports[0]) return;
        port?.close();
        port = event.ports[0];
        port.onmessage = (message) => events.frame(message.data as ArrayBuffer | ArrayBufferView);
        port.start();
        events.state(true);
      };
      win.addEventListener('message', onWindowMessage);
      // A preload without the port bridge: the view stays on "live channel connecting…" instead of failing.
      if (!win.lucidaLive) console.warn('[lucida] this window has no live port bridge (window.lucidaLive)');
      win.lucidaLive?.open();
    },
    ready() {
      port?.postMessage('ready');
    },
    close() {
      if (onWindowMessage) win.removeEventListener('message', onWindowMessage);
      port?.close();
      port = null;
    },
  };
}

/** The transport of the host this page runs in: the preload's MessagePort in Electron, else the WebSocket. */
export function defaultLiveTransport(bridge: 'preload' | 'websocket'): LiveTransport {
  return bridge === 'preload' ? messagePortTransport(window) : webSocketTransport(liveUrl(window.location));
}

/** Shows a decoded frame on a canvas: the bitmap becomes the canvas's image without being copied. */
function show(target: HTMLCanvasElement, bitmap: ImageBitmap): void {
  if (target.width !== bitmap.width || target.height !== bitmap.height) {
    target.width = bitmap.width;
    target.height = bitmap.height;
  }
  const ctx = target.getContext('bitmaprenderer');
  if (ctx) ctx.transferFromImageBitmap(bitmap);
  else {
    target.getContext('2d', { alpha: false })?.drawImage(bitmap, 0, 0);
    bitmap.close();
  }
}

export function connectLive(options: {
  transport: LiveTransport;
  canvas: HTMLCanvasElement;
  /** Where live-enhancement results are drawn (they arrive on the same channel, marked `enhanced`). */
  enhancedCanvas: () => HTMLCanvasElement | null;
  onEnhanced: (header: LiveFrameHeader) => void;
  /** The newest frame's header, at most every READOUT_INTERVAL_MS. */
  onFrame: (header: LiveFrameHeader) => void;
  onStats: (stats: LiveStats) => void;
}): LiveClient {
  const { transport } = options;
  let lastSeq = -1;
  const stats: LiveStats = { fps: 0, drawn: 0, dropped: 0, latencyMs: null, connected: false };
  const drawTimes: number[] = [];
  const hook = { ...stats, latencies: [] as number[], lastSeq: -1, transport: transport.kind };
  window.__lucidaLive = hook;
  let latest: LiveFrameHeader | null = null;
  let readoutTimer: ReturnType<typeof setTimeout> | null = null;
  // React re-renders the readouts a few times a second; the canvas and the hook follow every frame.
  const publish = (now = false) => {
    Object.assign(hook, stats, { lastSeq });
    if (now) flush();
    else readoutTimer ??= setTimeout(flush, READOUT_INTERVAL_MS);
  };
  const flush = () => {
    if (readoutTimer) clearTimeout(readoutTimer);
    readoutTimer = null;
    if (latest) options.onFrame(latest);
    latest = null;
    options.onStats({ ...stats });
  };

  const onFrame = async (data: ArrayBuffer | ArrayBufferView) => {
    try {
      const { header, jpeg } = parseLiveMessage(data);
      // Decoded off the main thread; no colour conversion (the JPEG is the display image as is).
      const bitmap = await createImageBitmap(jpeg, { colorSpaceConversion: 'none', premultiplyAlpha: 'none' });
      const target = header.enhanced ? options.enhancedCanvas() : options.canvas;
      if (target) show(target, bitmap);
      else bitmap.close();
      // Ask for the next frame at once; the browser paints this one meanwhile.
      transport.ready();
      if (header.enhanced) {
        options.onEnhanced(header);
        return;
      }
      if (lastSeq >= 0 && header.seq > lastSeq + 1) stats.dropped += header.seq - lastSeq - 1;
      if (header.seq < lastSeq) stats.dropped = 0; // the camera restarted
      lastSeq = header.seq;
      stats.drawn++;
      const now = performance.now();
      drawTimes.push(now);
      while (drawTimes.length && now - drawTimes[0]! > 1000) drawTimes.shift();
      stats.fps = drawTimes.length > 1 ? ((drawTimes.length - 1) * 1000) / (now - drawTimes[0]!) : 0;
      requestAnimationFrame(() => {
        stats.latencyMs = Date.now() - header.capturedAtMs;
        hook.latencyMs = stats.latencyMs;
        hook.latencies.push(stats.latencyMs);
        if (hook.latencies.length > 2000) hook.latencies.shift();
      });
      latest = header;
      publish();
    } catch (error) {
      console.warn('[lucida] live frame skipped', error);
      transport.ready();
    }
  };
  transport.connect({
    frame: (data) => void onFrame(data),
    state: (connected) => {
      stats.connected = connected;
      publish(true);
    },
  });
  return {
    close() {
      if (readoutTimer) clearTimeout(readoutTimer);
      transport.close();
    },
  };
}
