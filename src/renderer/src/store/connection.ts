import { create } from 'zustand';
import type { ConnectionState } from '../bridge/ws-transport';

/** Whether the window can reach its host. Under Electron the bridge is in-process and always `open`. */
export const useConnection = create<ConnectionState>()(() => ({ status: 'open', attempt: 0, reconnects: 0 }));
