import { spawn } from 'node:child_process';
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { build } from 'vite';
import { createServices } from '..';
import { openCatalog } from '../catalog';
import { filesUnder, pngGrey16, pngRgb8, removeDir, tempDir, write } from './testing';

/**
 * Kills a real process with SIGKILL in the middle of a 50-file import and checks what "files before rows" and
 * WAL promise: every committed capture is there with its exact bytes, no row lacks a file, and the next open
 * sweeps the files whose rows never committed.
 */
let root: string;
let childScript: string;
const sha = (file: string) => createHash('sha256').update(fs.readFileSync(file)).digest('hex');

beforeAll(async () => {
  root = tempDir();
  // The services are TypeScript; bundle the child entry once into plain CommonJS that Node runs directly.
  await build({
    configFile: false,
    logLevel: 'silent',
    root: path.resolve(__dirname, '../../../..'),
    build: {
      ssr: path.join(__dirname, 'crash-child.fixture.ts'),
      outDir: path.join(root, 'child'),
      emptyOutDir: true,
      minify: false,
      rollupOptions: { output: { format: 'cjs', entryFileNames: 'child.cjs' } },
    },
  });
  childScript = path.join(root, 'child', 'child.cjs');
}, 60_000);
afterAll(() => removeDir(root));

function runUntil(libraryDir: string, sourceDir: string, killAfterCommits: number): Promise<{ committed: number; finished: boolean }> {
  return new Promise((resolve, reject) => {
    // The bundle lives in a temp folder; NODE_PATH lets its require() calls find the project's native modules.
    const env = { ...process.env, NODE_PATH: path.resolve(__dirname, '../../../../node_modules') };
    const child = spawn(process.execPath, [childScript, libraryDir, sourceDir], { stdio: ['ignore', 'pipe', 'pipe'], env });
    let committed = 0;
    let finished = false;
    let stderr = '';
    let buffer = '';
    child.stdout.on('data', (chunk: Buffer) => {
      buffer += chunk.toString();
      const lines = buffer.split('\n');
      buffer = lines.pop() ?? '';
      for (const line of lines) {
        if (line.startsWith('committed') && line.includes('"capture"')) committed++;
        if (line === 'finished') finished = true;
        if (committed >= killAfterCommits && child.exitCode === null && !child.killed) child.kill('SIGKILL');
      }
    });
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      if (signal !== 'SIGKILL' && code !== 0) reject(new Error(`child exited with ${code}: ${stderr}`));
      else resolve({ committed, finished });
    });
  });
}

describe('SIGKILL during a 50-file import', () => {
  it('leaves every committed capture intact and nothing half-done after the next open', async () => {
    const libraryDir = path.join(root, 'library');
    const sourceDir = path.join(root, 'sources');
    fs.mkdirSync(sourceDir);
    const sourceSha = new Map<string, string>();
    for (let i = 0; i < 50; i++) {
      const name = `field_${String(i).padStart(2, '0')}.png`;
      // Each file its own size, so each has its own hash and a mix-up between rows and files would show.
      const data = i % 2 ? await pngRgb8(200 + i, 150) : await pngGrey16(180 + i, 120);
      const file = write(sourceDir, name, data);
      sourceSha.set(name, sha(file));
    }

    const { committed, finished } = await runUntil(libraryDir, sourceDir, 12);
    expect(finished).toBe(false);
    expect(committed).toBeGreaterThanOrEqual(12);

    const services = createServices({ libraryDir, resourcesDir: root, host: 'browser', appVersion: 't', emit: () => undefined, log: () => undefined });
    try {
      const [session] = await services.handlers['sessions.list']({});
      const captures = await services.handlers['captures.list']({ sessionId: session.id });
      // Everything the child announced as committed survived; at most the file in flight is missing.
      expect(captures.length).toBeGreaterThanOrEqual(committed);
      expect(captures.length).toBeLessThan(50);
      for (const c of captures) {
        const file = services.resolveLibraryFile(c.fileUrl);
        expect(file, c.originalName).not.toBeNull();
        expect(sha(file!)).toBe(c.sha256);
        expect(c.sha256).toBe(sourceSha.get(c.originalName));
        expect(services.resolveLibraryFile(c.thumbUrl)).not.toBeNull();
      }
      const expected = new Set(captures.flatMap((c) => [c.fileUrl, c.thumbUrl].map((u) => u.replace('/library/', ''))));
      const onDisk = [...filesUnder(path.join(libraryDir, 'images')).map((f) => `images/${f}`), ...filesUnder(path.join(libraryDir, 'thumbs')).map((f) => `thumbs/${f}`)];
      expect(new Set(onDisk)).toEqual(expected);
      expect(filesUnder(path.join(libraryDir, '.staging'))).toEqual([]);
    } finally {
      await services.close();
    }
    const db = openCatalog(path.join(libraryDir, 'catalog.sqlite'));
    try {
      expect(db.pragma('integrity_check', { simple: true })).toBe('ok');
      expect(db.pragma('foreign_key_check')).toEqual([]);
    } finally {
      db.close();
    }
  });
});
