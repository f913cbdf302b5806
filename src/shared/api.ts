/**
 * Builds the namespaced API from the contract table. The preload bridge (Electron IPC) and the browser bridge
 * (WebSocket) both call `buildBridge` with their own transport, so the two hosts can never expose different
 * surfaces; renderer code then wraps the bridge with `buildApi` to get calls that throw `AppError`.
 */
import { callNames, type CallName, type Envelope, type EventName, type EventPayload, type LucidaApi, type LucidaBridge } from './contract';
import { AppError } from './errors';

export interface Transport {
  invoke(channel: CallName, payload: unknown): Promise<Envelope<unknown>>;
  subscribe(event: EventName, listener: (payload: unknown) => void): () => void;
}

function namespaced(method: (name: CallName) => (input: unknown) => Promise<unknown>): Record<string, Record<string, unknown>> {
  const api: Record<string, Record<string, unknown>> = {};
  for (const name of callNames) {
    const [ns, call] = name.split('.') as [string, string];
    (api[ns] ??= {})[call] = method(name);
  }
  return api;
}

export function buildBridge(transport: Transport): LucidaBridge {
  const api: Record<string, unknown> = namespaced((name) => (input) => transport.invoke(name, input ?? {}));
  api.on = <E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void) =>
    transport.subscribe(event, listener as (payload: unknown) => void);
  return api as LucidaBridge;
}

export function buildApi(bridge: LucidaBridge): LucidaApi {
  const groups = bridge as unknown as Record<string, Record<string, (input: unknown) => Promise<Envelope<unknown>>>>;
  const api: Record<string, unknown> = namespaced((name) => {
    const [ns, call] = name.split('.') as [string, string];
    return async (input) => {
      const envelope = await groups[ns]![call]!(input ?? {});
      if (envelope.ok) return envelope.value;
      throw new AppError(envelope.error.code, envelope.error.message);
    };
  });
  api.on = bridge.on.bind(bridge);
  return api as LucidaApi;
}
