/**
 * How a host (browser host, CLI, Electron) starts its inference client: which model folders it serves, and the
 * environment of the host child. Kept here so the three hosts create the client the same way.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createInferenceClient, type HostSpawner, type InferenceClient } from '../inference';

/** Bundled models first, then the ones imported into the library (`models.import`). */
export function modelRootsFor(resourcesDir: string, libraryDir: string): string[] {
  return [path.join(resourcesDir, 'models'), path.join(libraryDir, 'models')];
}

/**
 * The inference host's environment. On Linux, WebGPU goes through Vulkan (Dawn), which wants `XDG_RUNTIME_DIR`;
 * a session started without one (ssh, CI, a service) gets a private temp folder, so the WebGPU rung can load.
 */
export function inferenceHostEnv(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): NodeJS.ProcessEnv {
  if (platform !== 'linux' || env.XDG_RUNTIME_DIR) return env;
  let dir: string;
  try {
    dir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-xdg-'));
    fs.chmodSync(dir, 0o700);
  } catch {
    return env;
  }
  return { ...env, XDG_RUNTIME_DIR: dir };
}

export function createHostInference(options: {
  spawn: HostSpawner;
  resourcesDir: string;
  libraryDir: string;
  log?: (message: string) => void;
}): InferenceClient {
  return createInferenceClient({
    spawn: options.spawn,
    config: { modelRoots: modelRootsFor(options.resourcesDir, options.libraryDir) },
    log: options.log,
    // Give GPU memory back after ten idle minutes; the host restarts (sessions reload) on the next call.
    idleShutdownMs: 10 * 60_000,
  });
}
