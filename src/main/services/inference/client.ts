/**
 * The main side's handle on the inference host. The host is started lazily on the first call, kept alive for
 * its session cache, and started again on the next call after it dies; a death while calls are in flight
 * rejects them with a message a person can read. How the process is started is injected (`spawn`), so the
 * same client runs the host with `child_process.fork` under plain Node and with `utilityProcess.fork` in
 * Electron — this file never imports electron.
 */
import { fork } from 'node:child_process';
import { AppError } from '../../../shared/errors';
import type { EnhanceRequest, EnhanceResult, ProgressEvent, ValidationResult } from './engine';
import { ModelPackageError } from './manifest';
import type { FromHost, HostConfig, HostMethod, HostMethods, ToHost, WireError } from './protocol';
import type { LadderRung, ProviderName } from './providers';
import type { GpuCheckReport } from './sessions';
import { InferenceCancelled } from './tiled';

export interface HostExit {
  code: number | null;
  signal: string | null;
}

/** A started host process, whatever started it. */
export interface HostHandle {
  readonly pid: number | undefined;
  postMessage(message: ToHost): void;
  onMessage(listener: (message: FromHost) => void): void;
  onExit(listener: (exit: HostExit) => void): void;
  kill(): void;
}
export type HostSpawner = () => HostHandle;

/** Plain Node: `child_process.fork` with structured-clone messages (typed arrays survive). */
export function forkSpawner(options: { modulePath: string; execArgv?: string[]; env?: NodeJS.ProcessEnv }): HostSpawner {
  return () => {
    const child = fork(options.modulePath, [], {
      execArgv: options.execArgv ?? [],
      env: options.env ?? process.env,
      serialization: 'advanced',
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (m) => {
        if (child.connected) child.send(m);
      },
      onMessage: (l) => child.on('message', (m) => l(m as FromHost)),
      onExit: (l) => child.once('exit', (code, signal) => l({ code, signal })),
      kill: () => child.kill('SIGKILL'),
    };
  };
}

/** The part of Electron's `UtilityProcess` the client needs (structural, so no electron import here). */
export interface UtilityProcessLike {
  readonly pid: number | undefined;
  postMessage(message: unknown): void;
  on(event: 'message', listener: (message: unknown) => void): unknown;
  once(event: 'exit', listener: (code: number) => void): unknown;
  kill(): boolean;
}

/** Electron: pass `utilityProcess.fork` and the built host entry (e.g. `out/main/inferenceHost.js`). */
export function utilityProcessSpawner(
  forkUtility: (modulePath: string, args?: string[], options?: { serviceName?: string; env?: NodeJS.ProcessEnv; stdio?: 'inherit' | 'pipe' }) => UtilityProcessLike,
  modulePath: string,
  env: NodeJS.ProcessEnv = process.env,
): HostSpawner {
  return () => {
    const child = forkUtility(modulePath, [], { serviceName: 'Lucida inference', env, stdio: 'inherit' });
    return {
      get pid() {
        return child.pid;
      },
      postMessage: (m) => child.postMessage(m),
      onMessage: (l) => child.on('message', (m) => l(m as FromHost)),
      onExit: (l) => child.once('exit', (code) => l({ code, signal: null })),
      kill: () => void child.kill(),
    };
  };
}

/** The host died with calls in flight. */
export class InferenceHostCrashed extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InferenceHostCrashed';
  }
}

export interface CallControl {
  signal?: AbortSignal;
  onProgress?: (event: ProgressEvent) => void;
}

export interface InferenceClient {
  enhance(request: EnhanceRequest, control?: CallControl): Promise<EnhanceResult>;
  gpuCheck(modelId: string, control?: CallControl): Promise<GpuCheckReport>;
  validateModelPackage(dir: string, control?: CallControl): Promise<ValidationResult>;
  runTensor(modelId: string, data: Float32Array, dims: number[], provider?: ProviderName): Promise<HostMethods['runTensor']['result']>;
  ladder(): Promise<LadderRung[]>;
  stats(): Promise<HostMethods['stats']['result']>;
  /** Pid of the running host, or undefined when none is running (it starts on the next call). */
  readonly pid: number | undefined;
  /** How many times a host has been started. */
  readonly starts: number;
  close(): Promise<void>;
}

function fromWire(error: WireError): Error {
  if (error.name === 'InferenceCancelled') return new InferenceCancelled(error.message);
  if (error.name === 'ModelPackageError') return new ModelPackageError((error.reason ?? 'load-failed') as ModelPackageError['reason'], error.message);
  const e = new Error(error.message);
  e.name = error.name;
  return e;
}

interface Pending {
  method: HostMethod;
  label: string;
  resolve: (value: unknown) => void;
  reject: (error: Error) => void;
  onProgress?: (event: ProgressEvent) => void;
}

export interface InferenceClientOptions {
  spawn: HostSpawner;
  config: HostConfig;
  log?: (message: string) => void;
  /** Stop the host after this long without calls, giving its GPU memory back; it restarts on the next call. */
  idleShutdownMs?: number;
}

export function createInferenceClient(options: InferenceClientOptions): InferenceClient {
  const log = options.log ?? ((m: string) => console.error(m));
  let host: HostHandle | null = null;
  let starts = 0;
  let nextId = 1;
  const pending = new Map<number, Pending>();
  let idleTimer: ReturnType<typeof setTimeout> | null = null;

  function settle(): void {
    if (options.idleShutdownMs === undefined || pending.size > 0 || !host) return;
    const handle = host;
    idleTimer = setTimeout(() => {
      idleTimer = null;
      if (host !== handle || pending.size > 0) return;
      host = null;
      handle.kill();
    }, options.idleShutdownMs);
    idleTimer.unref?.();
  }

  function start(): HostHandle {
    const handle = options.spawn();
    starts++;
    host = handle;
    handle.onMessage((message) => {
      if (message.type === 'progress') pending.get(message.id)?.onProgress?.(message.event);
      else if (message.type === 'result') {
        const call = pending.get(message.id);
        if (!call) return;
        pending.delete(message.id);
        if (message.ok) call.resolve(message.value);
        else call.reject(fromWire(message.error));
        settle();
      }
    });
    handle.onExit((exit) => {
      if (host === handle) host = null;
      const how = exit.signal ? `was killed (${exit.signal})` : `exited with code ${exit.code}`;
      if (pending.size > 0) log(`[lucida] inference host ${handle.pid ?? ''} ${how} with ${pending.size} call(s) in flight`);
      for (const [id, call] of pending) {
        pending.delete(id);
        call.reject(
          new InferenceHostCrashed(
            `The inference process stopped unexpectedly (it ${how}) during ${call.label}; nothing was saved. It will be restarted on the next request — if this keeps happening, run on the CPU provider.`,
          ),
        );
      }
    });
    handle.postMessage({ type: 'init', config: options.config });
    return handle;
  }

  function call<M extends HostMethod>(method: M, params: HostMethods[M]['params'], label: string, control: CallControl = {}): Promise<HostMethods[M]['result']> {
    if (control.signal?.aborted) return Promise.reject(new InferenceCancelled());
    if (idleTimer) {
      clearTimeout(idleTimer);
      idleTimer = null;
    }
    const handle = host ?? start();
    const id = nextId++;
    return new Promise((resolve, reject) => {
      const onAbort = () => handle.postMessage({ type: 'cancel', id });
      control.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => control.signal?.removeEventListener('abort', onAbort);
      pending.set(id, {
        method,
        label,
        onProgress: control.onProgress,
        resolve: (v) => {
          done();
          resolve(v as HostMethods[M]['result']);
        },
        reject: (e) => {
          done();
          reject(e);
        },
      });
      handle.postMessage({ type: 'call', id, method, params });
    });
  }

  return {
    enhance: (request, control) => call('enhance', request, `enhancement with model “${request.modelId}”`, control),
    gpuCheck: (modelId, control) => call('gpuCheck', { modelId }, `the GPU check of model “${modelId}”`, control),
    validateModelPackage: (dir, control) => call('validateModelPackage', { dir }, `the check of the model in ${dir}`, control),
    runTensor: (modelId, data, dims, provider) => call('runTensor', { modelId, data, dims, ...(provider ? { provider } : {}) }, `a run of model “${modelId}”`),
    ladder: () => call('ladder', {}, 'listing execution providers'),
    stats: () => call('stats', {}, 'reading host statistics'),
    get pid() {
      return host?.pid;
    },
    get starts() {
      return starts;
    },
    close: async () => {
      if (idleTimer) clearTimeout(idleTimer);
      const handle = host;
      host = null;
      if (!handle) return;
      await new Promise<void>((resolve) => {
        handle.onExit(() => resolve());
        handle.kill();
      });
    },
  };
}

/** Maps what the client rejects with onto the contract's `{code, message}` errors for the dispatcher. */
export function toAppError(error: unknown): AppError | null {
  if (error instanceof AppError) return error;
  if (error instanceof ModelPackageError) return new AppError(error.reason === 'missing-file' ? 'not-found' : 'invalid-input', error.message);
  if (error instanceof InferenceHostCrashed) return new AppError('internal', error.message);
  if (error instanceof Error && error.name === 'TilingError') return new AppError('invalid-input', error.message);
  return null;
}
