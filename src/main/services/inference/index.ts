/**
 * Inference service: the public surface for the composition root, the CLI and the hosts. The engine runs in
 * its own process (host-process.ts); everything the main side needs goes through `createInferenceClient`.
 */
export { createInferenceClient, forkSpawner, utilityProcessSpawner, InferenceHostCrashed, toAppError } from './client';
export type { CallControl, HostExit, HostHandle, HostSpawner, InferenceClient, InferenceClientOptions, UtilityProcessLike } from './client';
export type { EnhanceInput, EnhanceOutput, EnhanceRequest, EnhanceResult, ProgressEvent, ProgressStage, ValidationResult } from './engine';
export { manifestSchema, ModelPackageError, readManifest, sha256File, MODEL_TASKS } from './manifest';
export type { ModelManifest, Normalisation } from './manifest';
export { PROVIDERS, PROVIDER_LABELS, isProviderName } from './providers';
export type { LadderRung, ProviderName } from './providers';
export type { RawOutputHeader } from './raster';
export type { GpuCheckReport, ParityResult, ProviderAttempt } from './sessions';
export { InferenceCancelled } from './tiled';
export { INFERENCE_USAGE, runInferenceCommand } from './commands';
export type { CommandIo } from './commands';
