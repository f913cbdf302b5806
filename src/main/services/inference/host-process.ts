/**
 * Entry point of the inference host: a long-lived process that owns the onnxruntime sessions, so a native
 * crash or a long GPU run never takes the UI or the main process with it. Started by `createInferenceClient`
 * through `child_process.fork` (plain Node: CLI, browser host, tests) or Electron's `utilityProcess.fork`;
 * it speaks protocol.ts over whichever channel it was given.
 */
import { createRequire } from 'node:module';
import path from 'node:path';
import * as ort from 'onnxruntime-node';
import { InferenceEngine } from './engine';
import type { FromHost, HostConfig, HostMethod, HostMethods, ToHost, WireError } from './protocol';
import { InferenceCancelled } from './tiled';

interface ParentPortLike {
  on(event: 'message', listener: (event: { data: unknown }) => void): void;
  postMessage(message: unknown): void;
}

function channel(): { post: (m: FromHost) => void; listen: (f: (m: ToHost) => void) => void } {
  const parentPort = (process as unknown as { parentPort?: ParentPortLike }).parentPort;
  if (parentPort) {
    return { post: (m) => parentPort.postMessage(m), listen: (f) => parentPort.on('message', (e) => f(e.data as ToHost)) };
  }
  if (process.send) {
    // Without a parent there is nothing to serve: leave rather than linger as an orphan holding the GPU.
    process.on('disconnect', () => process.exit(0));
    return { post: (m) => process.send!(m), listen: (f) => process.on('message', (m) => f(m as ToHost)) };
  }
  throw new Error('The inference host must be started by Lucida (child_process.fork or utilityProcess.fork).');
}

function ortBindingDir(): string | null {
  try {
    const base = typeof __filename === 'string' ? __filename : import.meta.url;
    const pkg = createRequire(base).resolve('onnxruntime-node/package.json');
    return path.join(path.dirname(pkg), 'bin', 'napi-v6', process.platform, process.arch);
  } catch {
    return null;
  }
}

function toWire(error: unknown): WireError {
  if (error instanceof Error) {
    const reason = (error as { reason?: unknown }).reason;
    return { name: error.name, message: error.message, ...(typeof reason === 'string' ? { reason } : {}) };
  }
  return { name: 'Error', message: String(error) };
}

const { post, listen } = channel();
let engine: InferenceEngine | null = null;
const running = new Map<number, AbortController>();

function makeEngine(config: HostConfig): InferenceEngine {
  return new InferenceEngine({
    modelRoots: config.modelRoots,
    ladder: { platform: process.platform, arch: process.arch, backends: ort.listSupportedBackends(), bindingDir: ortBindingDir() },
  });
}

type Handler<M extends HostMethod> = (params: HostMethods[M]['params'], id: number, signal: AbortSignal) => Promise<HostMethods[M]['result']>;
const handlers: { [M in HostMethod]: Handler<M> } = {
  enhance: (params, id, signal) => engine!.enhance(params, { signal, onProgress: (event) => post({ type: 'progress', id, event }) }),
  gpuCheck: (params) => engine!.gpuCheck(params.modelId),
  validateModelPackage: (params) => engine!.validateModelPackage(params.dir),
  runTensor: (params) => engine!.runTensor(params.modelId, params.data, params.dims, params.provider),
  ladder: async () => engine!.runtime.ladder(),
  stats: async () => ({ rssBytes: process.memoryUsage.rss(), maxRssBytes: process.resourceUsage().maxRSS * 1024, pid: process.pid }),
};

listen((message) => {
  if (message.type === 'init') {
    engine = makeEngine(message.config);
    return;
  }
  if (message.type === 'cancel') {
    running.get(message.id)?.abort();
    return;
  }
  if (message.type === 'call') {
    const { id, method } = message;
    const controller = new AbortController();
    running.set(id, controller);
    void (async () => {
      try {
        if (!engine) throw new Error('The inference host was not initialised.');
        if (!Object.hasOwn(handlers, method)) throw new Error(`The inference host has no method ${String(method)}.`);
        const handler = handlers[method] as Handler<HostMethod>;
        const value = await handler(message.params as never, id, controller.signal);
        if (controller.signal.aborted) throw new InferenceCancelled();
        post({ type: 'result', id, ok: true, value });
      } catch (error) {
        post({ type: 'result', id, ok: false, error: toWire(error) });
      } finally {
        running.delete(id);
      }
    })();
  }
});

post({ type: 'ready', pid: process.pid, onnxruntimeVersion: ort.env.versions?.common ?? 'unknown' });
