/**
 * The one place the window obtains its API. Electron's preload exposes `window.lucida` (the envelope-answering
 * bridge); the browser host has no preload, so the same contract-built bridge is assembled here over a WebSocket
 * and exposed under the same name. Everything else imports `lucida()` — calls that resolve to values and throw
 * `AppError` — and never cares which host it runs under.
 */
import { buildApi, buildBridge } from '../../../shared/api';
import type { LucidaApi, LucidaBridge } from '../../../shared/contract';
import { useConnection } from '../store/connection';
import { createWsTransport, defaultRpcUrl } from './ws-transport';

declare global {
  interface Window {
    lucida?: LucidaBridge;
  }
}

let api: LucidaApi | null = null;
let kind: 'preload' | 'websocket' = 'preload';

export function initBridge(): LucidaApi {
  if (api) return api;
  if (window.lucida) {
    api = buildApi(window.lucida);
    kind = 'preload';
  } else {
    useConnection.setState({ status: 'connecting', attempt: 0, reconnects: 0 });
    const transport = createWsTransport({
      url: defaultRpcUrl(window.location),
      onState: (state) => useConnection.setState(state),
    });
    const bridge = buildBridge(transport);
    // Tests and the developer console reach the bridge under the same name in both hosts.
    window.lucida = bridge;
    api = buildApi(bridge);
    kind = 'websocket';
  }
  return api;
}

export function lucida(): LucidaApi {
  if (!api) throw new Error('initBridge() must run before the API is used');
  return api;
}

export function bridgeKind(): 'preload' | 'websocket' {
  return kind;
}

export { upload } from './upload';
