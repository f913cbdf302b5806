import { resolve } from 'node:path';
import { defineConfig } from 'electron-vite';
import react from '@vitejs/plugin-react';

// One build feeds both hosts: out/main/index.js is the Electron entry, out/main/serve.js the browser host
// and out/main/cli.js the command line; all three share the services compiled alongside them.
export default defineConfig({
  main: {
    build: {
      rollupOptions: {
        input: {
          index: resolve(__dirname, 'src/main/index.ts'),
          serve: resolve(__dirname, 'src/main/host/serve.ts'),
          cli: resolve(__dirname, 'src/main/cli.ts'),
          // The inference host process (child_process.fork / utilityProcess.fork of out/main/inferenceHost.js).
          inferenceHost: resolve(__dirname, 'src/main/services/inference/host-process.ts'),
          // The holography physics worker thread (new Worker(out/main/holographyWorker.js)).
          holographyWorker: resolve(__dirname, 'src/main/services/holography/physics-worker.ts'),
        },
      },
    },
  },
  preload: {
    build: {
      // A sandboxed preload can require nothing but `electron`, so the contract and zod are bundled into it.
      externalizeDeps: false,
      rollupOptions: {
        input: { index: resolve(__dirname, 'src/preload/index.ts') },
      },
    },
  },
  renderer: {
    root: resolve(__dirname, 'src/renderer'),
    plugins: [react()],
    build: {
      rollupOptions: { input: { index: resolve(__dirname, 'src/renderer/index.html') } },
    },
  },
});
