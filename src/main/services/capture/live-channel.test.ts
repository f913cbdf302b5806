/**
 * The live view's carriers without Electron: the flow control shared by the WebSocket and the MessagePort
 * (attachLiveChannel), and the desktop app's MessagePort path end to end over Node's own MessageChannel —
 * main's serveLivePort on one end, the renderer's messagePortTransport on the other.
 */
import { MessageChannel, type MessagePort } from 'node:worker_threads';
import { describe, expect, it } from 'vitest';
import { LIVE_PORT_MESSAGE, type LiveFrameHeader } from '../../../shared/contract';
// This test joins both ends of the desktop live channel, so it alone reaches into the renderer (a browser-safe file).
// eslint-disable-next-line no-restricted-imports
import { messagePortTransport, parseLiveMessage } from '../../../renderer/src/features/capture/live-client';
import { attachLiveChannel, LIVE_WINDOW, serveLivePort, type LivePort } from './live-channel';
import { LiveHub } from './live';
import type { Frame } from './types';

function frame(seq: number): Frame {
  const data = new Uint16Array(32 * 16 * 3).fill(seq * 1000);
  return { seq, capturedAtMs: 1000 + seq, widthPx: 32, heightPx: 16, channels: 3, bitDepth: 16, data, meta: { sourceId: 's', sourceLabel: 's', exposureMs: 5, gain: 1, objective: null, pixelSizeUm: null, stage: null, imaging: 'camera' } };
}

/** Resolves once `probe` holds, polling the event loop (encodes run in libvips' thread pool). */
async function until(probe: () => boolean, what: string): Promise<void> {
  for (let i = 0; i < 500 && !probe(); i++) await new Promise((r) => setTimeout(r, 5));
  if (!probe()) throw new Error(`never happened: ${what}`);
}
const settle = () => new Promise((r) => setTimeout(r, 100));

describe('live channel flow control (shared by WebSocket and MessagePort)', () => {
  it('keeps at most two frames unacknowledged, sends the newest on `ready`, and counts the rest as dropped', async () => {
    const hub = new LiveHub(() => 30);
    const sent: LiveFrameHeader[] = [];
    const live = attachLiveChannel(hub, { send: (packed) => sent.push(parseLiveMessage(packed).header), isOpen: () => true });
    hub.push(frame(0));
    await until(() => sent.length === 1, 'first frame');
    hub.push(frame(1));
    await until(() => sent.length === 2, 'second frame');
    for (let seq = 2; seq < 6; seq++) hub.push(frame(seq));
    await settle();
    // The window is full: nothing more goes out until the view acknowledges.
    expect(sent.map((h) => h.seq)).toEqual([0, 1]);
    expect(live.inFlight()).toBe(LIVE_WINDOW);
    live.received('hello'); // not an acknowledgement
    await settle();
    expect(sent).toHaveLength(2);
    live.received('ready');
    await until(() => sent.length === 3, 'the newest frame after ready');
    expect(sent[2]).toMatchObject({ seq: 5, hostDropped: 3 });
    live.closed();
    expect(hub.viewers).toBe(0);
  });

  it('sends nothing to a closed or congested carrier', async () => {
    const hub = new LiveHub(() => 30);
    let open = false;
    let congested = true;
    const sent: number[] = [];
    attachLiveChannel(hub, { send: (p) => sent.push(p.length), isOpen: () => open, congested: () => congested });
    hub.push(frame(0));
    await settle();
    open = true;
    hub.kick();
    await settle();
    expect(sent).toEqual([]);
    congested = false;
    hub.kick();
    await until(() => sent.length === 1, 'a frame once the carrier drains');
  });
});

describe('the desktop MessagePort path over a Node MessageChannel', () => {
  /** A window as the renderer sees it: the preload's `lucidaLive.open()` posts port2 in a window message. */
  function fakeWindow(port: MessagePort) {
    const listeners = new Set<(event: MessageEvent) => void>();
    const win = {
      opened: 0,
      addEventListener: (_type: string, l: (event: MessageEvent) => void) => listeners.add(l),
      removeEventListener: (_type: string, l: (event: MessageEvent) => void) => listeners.delete(l),
      lucidaLive: {
        open: () => {
          win.opened++;
          // Someone else's message first: ignored.
          for (const l of listeners) l({ source: {}, data: LIVE_PORT_MESSAGE, ports: [port] } as unknown as MessageEvent);
          for (const l of listeners) l({ source: win, data: LIVE_PORT_MESSAGE, ports: [port] } as unknown as MessageEvent);
        },
      },
    };
    return win;
  }

  it('carries packed frames to the page and acknowledgements back, and detaches when the page closes its port', async () => {
    const hub = new LiveHub(() => 25);
    const { port1, port2 } = new MessageChannel();
    serveLivePort(hub, port1 as unknown as LivePort);
    expect(hub.viewers).toBe(1);
    const win = fakeWindow(port2);
    const transport = messagePortTransport(win as unknown as Window);
    const received: LiveFrameHeader[] = [];
    const jpegs: Blob[] = [];
    const states: boolean[] = [];
    transport.connect({
      frame: (data) => {
        const { header, jpeg } = parseLiveMessage(data);
        received.push(header);
        jpegs.push(jpeg);
      },
      state: (up) => states.push(up),
    });
    expect(win.opened).toBe(1);
    expect(states).toEqual([true]);
    expect(transport.kind).toBe('message-port');

    hub.push(frame(0));
    await until(() => received.length === 1, 'frame 0 through the port');
    hub.push(frame(1));
    await until(() => received.length === 2, 'frame 1 through the port');
    for (let seq = 2; seq < 5; seq++) hub.push(frame(seq));
    await settle();
    expect(received.map((h) => h.seq)).toEqual([0, 1]);
    // The page drew a frame: it says `ready` on the port and gets the newest.
    transport.ready();
    await until(() => received.length === 3, 'the newest frame after ready');
    expect(received[2]).toMatchObject({ seq: 4, capturedAtMs: 1004, widthPx: 32, heightPx: 16, bitDepth: 16, hostDropped: 2 });
    // The image part is the JPEG (SOI marker first).
    const bytes = new Uint8Array(await jpegs[2]!.arrayBuffer());
    expect([bytes[0], bytes[1]]).toEqual([0xff, 0xd8]);

    transport.close();
    await until(() => hub.viewers === 0, 'the hub to forget the closed port');
  });

  it('stops sending when main closes its end (a window reload replaces the port)', async () => {
    const hub = new LiveHub(() => 25);
    const { port1, port2 } = new MessageChannel();
    const live = serveLivePort(hub, port1 as unknown as LivePort);
    const closed = new Promise<void>((resolve) => port2.once('close', () => resolve()));
    live.closed();
    await closed;
    expect(hub.viewers).toBe(0);
    live.closed(); // twice is harmless
  });
});
