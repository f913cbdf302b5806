/**
 * The browser host's live channel: WebSocket `/live` carrying binary display frames from the capture service's
 * LiveHub (4-byte header length, JSON header, JPEG). Flow control is by acknowledgement (live-channel.ts, shared
 * with the desktop app's MessagePort): the page sends the text `ready` after it has drawn a frame, and only then
 * gets the next — the newest one — so a busy page makes the host drop frames instead of queueing them in the socket.
 */
import type { WebSocket } from 'ws';
import type { LiveHub } from '../services/capture';
import { attachLiveChannel } from '../services/capture';

const MAX_BUFFERED_BYTES = 8 << 20;

export function serveLive(socket: WebSocket, hub: LiveHub): void {
  const live = attachLiveChannel(hub, {
    send: (packed) => socket.send(packed, { binary: true }),
    isOpen: () => socket.readyState === socket.OPEN,
    congested: () => socket.bufferedAmount >= MAX_BUFFERED_BYTES,
  });
  socket.on('message', (data, isBinary) => {
    if (!isBinary) live.received(String(data));
  });
  socket.on('close', () => live.closed());
  socket.on('error', () => live.closed());
}
