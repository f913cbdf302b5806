/**
 * The Electron IPC adapter: the only file in the main process that touches `ipcMain`. Every contract call is
 * registered here, every sender frame is checked against the app's own origin, and answers are envelopes. The live
 * view's MessagePort is handed out here too (docs/adr/0006).
 */
import { ipcMain, MessageChannelMain, type MessagePortMain, type WebContents, type WebFrameMain } from 'electron';
import { callNames, LIVE_PORT_OPEN, LIVE_PORT_READY, type EventName } from '../shared/contract';
import type { Dispatch } from './rpc';

export function isTrustedFrame(frame: WebFrameMain | null, trustedOrigins: readonly string[]): boolean {
  if (!frame) return false;
  try {
    return trustedOrigins.includes(new URL(frame.url).origin);
  } catch {
    return false;
  }
}

export function registerIpc(dispatch: Dispatch, trustedOrigins: readonly string[]): () => void {
  for (const channel of callNames) {
    ipcMain.handle(channel, async (event, payload: unknown) => {
      if (!isTrustedFrame(event.senderFrame, trustedOrigins)) {
        return { ok: false, error: { code: 'forbidden', message: 'This window may not call Lucida.' } };
      }
      return dispatch(channel, payload);
    });
  }
  return () => {
    for (const channel of callNames) ipcMain.removeHandler(channel);
  };
}

export function sendEvent(targets: Iterable<WebContents>, event: EventName, payload: unknown): void {
  for (const contents of targets) if (!contents.isDestroyed()) contents.send(event, payload);
}

/**
 * The desktop live view: when a trusted window asks (the preload sends LIVE_PORT_OPEN as its Capture section
 * opens), main makes a MessageChannelMain, gives one end to `serve` (the capture service's live hub) and posts
 * the other to the window. The port closes when the window asks again (a reload), goes away, or closes its end.
 */
export function registerLivePorts(serve: (port: MessagePortMain) => { closed(): void }, trustedOrigins: readonly string[]): () => void {
  const open = new Map<number, { closed(): void }>();
  const onOpen = (event: Electron.IpcMainEvent) => {
    if (!isTrustedFrame(event.senderFrame, trustedOrigins)) return;
    const contents = event.sender;
    open.get(contents.id)?.closed();
    const { port1, port2 } = new MessageChannelMain();
    const live = serve(port1);
    if (!open.has(contents.id)) contents.once('destroyed', () => {
      open.get(contents.id)?.closed();
      open.delete(contents.id);
    });
    open.set(contents.id, live);
    contents.postMessage(LIVE_PORT_READY, null, [port2]);
  };
  ipcMain.on(LIVE_PORT_OPEN, onOpen);
  return () => {
    ipcMain.removeListener(LIVE_PORT_OPEN, onOpen);
    for (const live of open.values()) live.closed();
    open.clear();
  };
}
