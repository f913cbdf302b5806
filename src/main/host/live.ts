/**
 * The browser host's live channel: WebSocket `/live` carrying binary display frames from the capture service's
 * LiveHub (4-byte header length, JSON header, JPEG). Flow control is by acknowledgement: the page sends the text
 * `ready` after it has drawn a frame, and only then gets the next — the newest one — so a busy page makes the
 * host drop frames instead of queueing them in the socket.
 */
import type { WebSocket } from 'ws';
import type { LiveHub } from '../services/capture';
import { packLiveFrame } from '../services/capture';

/** Frames sent and not yet acknowledged; 2 lets one frame travel while the page draws the previous one. */
const WINDOW = 2;
const MAX_BUFFERED_BYTES = 8 << 20;

export function serveLive(socket: WebSocket, hub: LiveHub): void {
  let inFlight = 0;
  const detach = hub.attach({
    ready: () => socket.readyState === socket.OPEN && inFlight < WINDOW && socket.bufferedAmount < MAX_BUFFERED_BYTES,
    send: (header, jpeg) => {
      inFlight++;
      socket.send(packLiveFrame(header, jpeg), { binary: true });
    },
  });
  socket.on('message', (data, isBinary) => {
    if (isBinary || String(data) !== 'ready') return;
    inFlight = Math.max(0, inFlight - 1);
    hub.kick();
  });
  socket.on('close', detach);
  socket.on('error', detach);
}
