/**
 * The live view's receiving end: binary frames from the host's `/live` WebSocket (4-byte header length, JSON
 * header, JPEG), decoded off the main thread by createImageBitmap and drawn on a canvas. After drawing a frame the
 * page answers `ready`, and only then does the host send another — the newest — so a busy page never builds a
 * backlog; the frames it could not take show up as gaps in the sequence numbers (dropped).
 */
import { LIVE_PATH, liveFrameHeaderSchema, type LiveFrameHeader } from '../../../../shared/contract';

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

export interface LiveClient {
  close(): void;
}

/** Test and benchmark hook: the numbers the readout shows, plus recent latencies. */
declare global {
  interface Window {
    __lucidaLive?: LiveStats & { latencies: number[]; lastSeq: number };
  }
}

export function liveUrl(location: Location): string {
  const scheme = location.protocol === 'https:' ? 'wss' : 'ws';
  return `${scheme}://${location.host}${LIVE_PATH}`;
}

export function parseLiveMessage(data: ArrayBuffer): { header: LiveFrameHeader; jpeg: Blob } {
  const view = new DataView(data);
  const length = view.getUint32(0, true);
  const header = liveFrameHeaderSchema.parse(JSON.parse(new TextDecoder().decode(new Uint8Array(data, 4, length))));
  return { header, jpeg: new Blob([new Uint8Array(data, 4 + length)], { type: 'image/jpeg' }) };
}

export function connectLive(options: {
  canvas: HTMLCanvasElement;
  /** Where live-enhancement results are drawn (they arrive on the same channel, marked `enhanced`). */
  enhancedCanvas: () => HTMLCanvasElement | null;
  onEnhanced: (header: LiveFrameHeader) => void;
  onFrame: (header: LiveFrameHeader) => void;
  onStats: (stats: LiveStats) => void;
}): LiveClient {
  let socket: WebSocket | null = null;
  let closed = false;
  let retry: ReturnType<typeof setTimeout> | null = null;
  let lastSeq = -1;
  const stats: LiveStats = { fps: 0, drawn: 0, dropped: 0, latencyMs: null, connected: false };
  const drawTimes: number[] = [];
  const hook = { ...stats, latencies: [] as number[], lastSeq: -1 };
  window.__lucidaLive = hook;
  const publish = () => {
    Object.assign(hook, stats, { lastSeq });
    options.onStats({ ...stats });
  };

  const open = () => {
    socket = new WebSocket(liveUrl(window.location));
    socket.binaryType = 'arraybuffer';
    socket.onopen = () => {
      stats.connected = true;
      publish();
    };
    socket.onclose = () => {
      stats.connected = false;
      publish();
      if (!closed) retry = setTimeout(open, 1000);
    };
    socket.onmessage = async (event) => {
      if (!(event.data instanceof ArrayBuffer)) return;
      const ws = socket;
      try {
        const { header, jpeg } = parseLiveMessage(event.data);
        const bitmap = await createImageBitmap(jpeg);
        const target = header.enhanced ? options.enhancedCanvas() : options.canvas;
        // Opaque: the compositor need not blend the video-rate layer with what lies under it.
        const ctx = target?.getContext('2d', { alpha: false });
        if (target && ctx) {
          if (target.width !== bitmap.width || target.height !== bitmap.height) {
            target.width = bitmap.width;
            target.height = bitmap.height;
          }
          ctx.drawImage(bitmap, 0, 0);
        }
        bitmap.close();
        // Ask for the next frame at once; the browser paints this one meanwhile.
        if (ws && ws.readyState === WebSocket.OPEN) ws.send('ready');
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
          hook.latencies.push(stats.latencyMs);
          if (hook.latencies.length > 2000) hook.latencies.shift();
        });
        options.onFrame(header);
        publish();
      } catch (error) {
        console.warn('[lucida] live frame skipped', error);
        if (ws && ws.readyState === WebSocket.OPEN) ws.send('ready');
      }
    };
  };
  open();
  return {
    close() {
      closed = true;
      if (retry) clearTimeout(retry);
      socket?.close();
    },
  };
}
