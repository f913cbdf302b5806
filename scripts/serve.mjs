// `npm run serve`: the browser host (HTTP + WebSocket on 127.0.0.1) with the same services as the desktop app.
import { spawn } from 'node:child_process';
import path from 'node:path';
import { buildIfStale } from './build-if-stale.mjs';

const root = path.resolve(import.meta.dirname, '..');

export function serve(args) {
  buildIfStale();
  const child = spawn(process.execPath, [path.join(root, 'out/main/serve.js'), ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}

if (import.meta.main ?? process.argv[1] === import.meta.filename) serve(process.argv.slice(2));
