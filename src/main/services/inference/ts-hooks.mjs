// Lets plain Node (22.18+, which strips TypeScript types itself) run the inference host and the benchmark
// straight from src/: our sources use bundler-style relative imports without extensions, which Node's ESM
// resolver refuses, so a failed relative resolution is retried with `.ts` and `/index.ts`.
// Usage: node --import ./src/main/services/inference/ts-hooks.mjs <file.ts>
import { registerHooks } from 'node:module';

const relative = /^\.{1,2}\//;
const hasExtension = /\.[cm]?[jt]s$/;

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context);
    } catch (error) {
      if (!relative.test(specifier) || hasExtension.test(specifier)) throw error;
      for (const suffix of ['.ts', '/index.ts']) {
        try {
          return nextResolve(specifier + suffix, context);
        } catch {
          // try the next form
        }
      }
      throw error;
    }
  },
});
