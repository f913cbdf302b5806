/**
 * The preload bridge: the only place `ipcRenderer` is used in the renderer process. It exposes `window.lucida`,
 * generated from the contract table, and `window.lucidaLive.open()`, which asks main for the live view's
 * MessagePort — nothing else, no Node, no raw IPC.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from '../shared/api';
import { LIVE_PORT_MESSAGE, LIVE_PORT_OPEN, LIVE_PORT_READY, type Envelope } from '../shared/contract';

contextBridge.exposeInMainWorld(
  'lucida',
  buildBridge({
    invoke: (channel, payload) => ipcRenderer.invoke(channel, payload) as Promise<Envelope<unknown>>,
    subscribe: (event, listener) => {
      const handler = (_event: Electron.IpcRendererEvent, payload: unknown) => listener(payload);
      ipcRenderer.on(event, handler);
      return () => ipcRenderer.removeListener(event, handler);
    },
  }),
);

// The live view's port (docs/adr/0006). A port cannot cross the context bridge as an argument, so it is handed to
// the page the way Electron documents for isolated worlds: a window message to this window only, port transferred.
contextBridge.exposeInMainWorld('lucidaLive', {
  open: () => ipcRenderer.send(LIVE_PORT_OPEN),
});
ipcRenderer.on(LIVE_PORT_READY, (event) => {
  window.postMessage(LIVE_PORT_MESSAGE, window.location.origin === 'null' ? '*' : window.location.origin, event.ports);
});
