import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { createWsTransport, LOST_CONNECTION_MESSAGE, type ConnectionState } from './ws-transport';

/** A stand-in for the browser's WebSocket that the test opens, feeds and closes by hand. */
class FakeSocket {
  static readonly CONNECTING = 0;
  static readonly OPEN = 1;
  static readonly CLOSING = 2;
  static readonly CLOSED = 3;
  static all: FakeSocket[] = [];
  readyState = FakeSocket.CONNECTING;
  sent: string[] = [];
  onopen: (() => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: (() => void) | null = null;
  onerror: (() => void) | null = null;
  constructor(readonly url: string) {
    FakeSocket.all.push(this);
  }
  send(data: string) {
    this.sent.push(data);
  }
  close() {
    this.drop();
  }
  open() {
    this.readyState = FakeSocket.OPEN;
    this.onopen?.();
  }
  drop() {
    this.readyState = FakeSocket.CLOSED;
    this.onclose?.();
  }
  reply(data: unknown) {
    this.onmessage?.({ data: typeof data === 'string' ? data : JSON.stringify(data) });
  }
  lastCall(): { id: number; channel: string; payload: unknown } {
    return JSON.parse(this.sent[this.sent.length - 1]!);
  }
}

const latest = () => FakeSocket.all[FakeSocket.all.length - 1]!;

describe('WebSocket transport', () => {
  const states: ConnectionState[] = [];

  beforeEach(() => {
    vi.useFakeTimers();
    FakeSocket.all = [];
    states.length = 0;
    vi.stubGlobal('WebSocket', FakeSocket);
  });

  afterEach(() => {
    vi.unstubAllGlobals();
    vi.useRealTimers();
  });

  const make = () =>
    createWsTransport({ url: 'ws://127.0.0.1:1/rpc', onState: (s) => states.push(s), queueTimeoutMs: 1_000, backoffMs: { initial: 100, max: 400 } });

  it('holds calls made before the socket opens and sends them on open', async () => {
    const transport = make();
    const result = transport.invoke('app.info', {});
    expect(latest().sent).toHaveLength(0);
    latest().open();
    const call = latest().lastCall();
    expect(call).toMatchObject({ channel: 'app.info', payload: {} });
    latest().reply({ type: 'result', id: call.id, envelope: { ok: true, value: { version: '1' } } });
    await expect(result).resolves.toEqual({ ok: true, value: { version: '1' } });
  });

  it('answers an in-flight call with a readable internal error when the socket drops, then reconnects', async () => {
    const transport = make();
    latest().open();
    const result = transport.invoke('specimens.list', {});
    latest().drop();
    await expect(result).resolves.toEqual({ ok: false, error: { code: 'internal', message: LOST_CONNECTION_MESSAGE } });
    expect(states.at(-1)?.status).toBe('closed');
    expect(FakeSocket.all).toHaveLength(1);
    vi.advanceTimersByTime(250);
    expect(FakeSocket.all).toHaveLength(2);
    latest().open();
    expect(states.at(-1)).toEqual({ status: 'open', attempt: 0, reconnects: 1 });
  });

  it('fails a call that waited too long for a connection', async () => {
    const transport = make();
    const result = transport.invoke('specimens.list', {});
    vi.advanceTimersByTime(1_001);
    const envelope = await result;
    expect(envelope.ok).toBe(false);
    expect(!envelope.ok && envelope.error.message).toMatch(/Cannot reach the Lucida host/);
  });

  it('passes host errors through and turns an unreadable reply into an internal error', async () => {
    const transport = make();
    latest().open();
    const refused = transport.invoke('specimens.create', { accessionId: 42 });
    latest().reply({ type: 'result', id: latest().lastCall().id, envelope: { ok: false, error: { code: 'invalid-input', message: 'accessionId: expected string' } } });
    await expect(refused).resolves.toEqual({ ok: false, error: { code: 'invalid-input', message: 'accessionId: expected string' } });
    const garbled = transport.invoke('app.info', {});
    latest().reply({ type: 'result', id: latest().lastCall().id, envelope: 'nonsense' });
    const envelope = await garbled;
    expect(!envelope.ok && envelope.error.code).toBe('internal');
  });

  it('delivers valid events and drops malformed ones', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => undefined);
    const transport = make();
    latest().open();
    const seen: unknown[] = [];
    const off = transport.subscribe('catalog.changed', (payload) => seen.push(payload));
    latest().reply({ type: 'event', event: 'catalog.changed', payload: { entity: 'capture', id: 3 } });
    latest().reply({ type: 'event', event: 'catalog.changed', payload: { entity: 'planet', id: 3 } });
    latest().reply('not json');
    off();
    latest().reply({ type: 'event', event: 'catalog.changed', payload: { entity: 'session', id: 1 } });
    expect(seen).toEqual([{ entity: 'capture', id: 3 }]);
  });

  it('backs off up to the cap while the host stays away', () => {
    make();
    for (let i = 0; i < 6; i++) {
      latest().drop();
      vi.advanceTimersByTime(400);
    }
    expect(FakeSocket.all).toHaveLength(7);
    expect(states.at(-1)?.attempt).toBe(6);
  });
});
