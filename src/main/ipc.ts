/**
 * The Electron IPC adapter: the only file in the main process that touches `ipcMain`. Every contract call is
 * registered here, every sender frame is checked against the app's own origin, and answers are envelopes.
 */
import { ipcMain, type WebContents, type WebFrameMain } from 'electron';
import { callNames, type EventName } from '../shared/contract';
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
