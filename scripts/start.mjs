// `npm start`: the desktop app when an Electron binary is installed (fetched on first start where the web is
// reachable), otherwise the same app in the browser host.
import { spawn, spawnSync } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { buildIfStale } from './build-if-stale.mjs';
import { serve } from './serve.mjs';

const root = path.resolve(import.meta.dirname, '..');
const electronDir = path.join(root, 'node_modules/electron');
const args = process.argv.slice(2);

function electronBinary() {
  const pathFile = path.join(electronDir, 'path.txt');
  if (!fs.existsSync(pathFile)) return null;
  const binary = path.join(electronDir, 'dist', fs.readFileSync(pathFile, 'utf8').trim());
  return fs.existsSync(binary) ? binary : null;
}

let binary = electronBinary();
if (!binary && process.env.LUCIDA_BROWSER !== '1' && fs.existsSync(path.join(electronDir, 'install.js'))) {
  // The binary is downloaded on first use; a machine without the web fails here in well under a second.
  spawnSync(process.execPath, [path.join(electronDir, 'install.js')], { stdio: 'ignore', timeout: 300_000 });
  binary = electronBinary();
}

if (!binary || process.env.LUCIDA_BROWSER === '1') {
  if (!binary) console.log('No Electron binary is installed on this machine, so Lucida is starting in your browser instead.');
  serve(args);
} else {
  buildIfStale();
  const child = spawn(binary, [root, ...args], { cwd: root, stdio: 'inherit' });
  for (const signal of ['SIGINT', 'SIGTERM']) process.on(signal, () => child.kill(signal));
  child.on('exit', (code) => process.exit(code ?? 1));
}
