/**
 * The preload bridge: the only place `ipcRenderer` is used in the renderer process. It exposes `window.lucida`,
 * generated from the contract table, and nothing else — no Node, no raw IPC.
 */
import { contextBridge, ipcRenderer } from 'electron';
import { buildBridge } from '../shared/api';
import type { Envelope } from '../shared/contract';

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
