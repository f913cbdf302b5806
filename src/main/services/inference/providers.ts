/**
 * Which onnxruntime execution providers this machine could run, in the order we try them. Whether one really
 * works is only known by creating a session and running the model's test tensor (see sessions.ts); this file
 * only says which rungs of the ladder to skip and why, so the reason can be shown to a person.
 */
import { existsSync } from 'node:fs';
import path from 'node:path';

export const PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
export type ProviderName = (typeof PROVIDERS)[number];

export const PROVIDER_LABELS: Record<ProviderName, string> = {
  cuda: 'CUDA',
  dml: 'DirectML',
  coreml: 'CoreML',
  webgpu: 'WebGPU',
  cpu: 'CPU',
};

export interface LadderRung {
  provider: ProviderName;
  /** Null when the provider is worth trying here; otherwise why it is skipped. */
  skipReason: string | null;
}

export interface LadderEnvironment {
  platform: NodeJS.Platform;
  arch: string;
  /** `onnxruntime-node`'s `listSupportedBackends()`. */
  backends: { name: string; bundled: boolean }[];
  /** Folder holding `onnxruntime_binding.node`, where the CUDA add-on libraries would sit. */
  bindingDir: string | null;
}

function cudaLibraryPresent(bindingDir: string | null): boolean {
  if (!bindingDir) return false;
  return existsSync(path.join(bindingDir, 'libonnxruntime_providers_cuda.so'));
}

export function providerLadder(env: LadderEnvironment): LadderRung[] {
  const listed = new Set(env.backends.map((b) => b.name));
  return PROVIDERS.map((provider): LadderRung => {
    switch (provider) {
      case 'cuda':
        if (env.platform !== 'linux') return { provider, skipReason: 'CUDA is only used on Linux.' };
        if (!listed.has('cuda') || !cudaLibraryPresent(env.bindingDir))
          return { provider, skipReason: 'The CUDA add-on for onnxruntime is not installed (libonnxruntime_providers_cuda.so is missing).' };
        return { provider, skipReason: null };
      case 'dml':
        if (env.platform !== 'win32') return { provider, skipReason: 'DirectML is only available on Windows.' };
        return { provider, skipReason: listed.has('dml') ? null : 'This onnxruntime build has no DirectML provider.' };
      case 'coreml':
        if (env.platform !== 'darwin') return { provider, skipReason: 'CoreML is only available on macOS.' };
        return { provider, skipReason: listed.has('coreml') ? null : 'This onnxruntime build has no CoreML provider.' };
      case 'webgpu':
        return { provider, skipReason: listed.has('webgpu') ? null : `This onnxruntime build has no WebGPU provider on ${env.platform}-${env.arch}.` };
      case 'cpu':
        return { provider, skipReason: null };
    }
  });
}

export function isProviderName(value: string): value is ProviderName {
  return (PROVIDERS as readonly string[]).includes(value);
}
