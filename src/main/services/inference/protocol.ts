/**
 * Messages between the main side and the inference host. Plain structured-clone data (typed arrays allowed),
 * so the same messages travel over `child_process.fork` (with `serialization: 'advanced'`) and over Electron's
 * `utilityProcess` (`postMessage` / `process.parentPort`). Pixels of real images never travel: the host reads
 * and writes files itself; only small tensors (tests, parity checks) go inline.
 */
import type { EnhanceRequest, EnhanceResult, ProgressEvent, ValidationResult } from './engine';
import type { LadderRung, ProviderName } from './providers';
import type { GpuCheckReport } from './sessions';

export interface HostMethods {
  enhance: { params: EnhanceRequest; result: EnhanceResult };
  gpuCheck: { params: { modelId: string }; result: GpuCheckReport };
  validateModelPackage: { params: { dir: string }; result: ValidationResult };
  runTensor: {
    params: { modelId: string; data: Float32Array; dims: number[]; provider?: ProviderName };
    result: { data: Float32Array; dims: number[]; provider: ProviderName };
  };
  ladder: { params: Record<string, never>; result: LadderRung[] };
  /** Resident memory of the host, for the benchmark and diagnostics. */
  stats: { params: Record<string, never>; result: { rssBytes: number; maxRssBytes: number; pid: number } };
}
export type HostMethod = keyof HostMethods;

export interface HostConfig {
  modelRoots: string[];
}

export type ToHost =
  | { type: 'init'; config: HostConfig }
  | { type: 'call'; id: number; method: HostMethod; params: unknown }
  | { type: 'cancel'; id: number };

export interface WireError {
  /** `InferenceCancelled`, `ModelPackageError`, `TilingError` or `Error`. */
  name: string;
  message: string;
  reason?: string;
}

export type FromHost =
  | { type: 'ready'; pid: number; onnxruntimeVersion: string }
  | { type: 'progress'; id: number; event: ProgressEvent }
  | { type: 'result'; id: number; ok: true; value: unknown }
  | { type: 'result'; id: number; ok: false; error: WireError };
