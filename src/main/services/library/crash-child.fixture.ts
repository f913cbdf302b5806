/**
 * Child process for crash.test.ts: imports every file in a folder into a new session and prints one line per
 * committed capture, so the parent can SIGKILL it mid-import at a known point. Not part of the app.
 */
import fs from 'node:fs';
import path from 'node:path';
import { createServices } from '../index';

async function main(): Promise<void> {
  const [libraryDir, sourceDir] = process.argv.slice(2);
  const services = createServices({
    libraryDir,
    resourcesDir: libraryDir,
    host: 'browser',
    appVersion: 'crash-test',
    log: () => undefined,
    emit: (event, payload) => {
      if (event === 'catalog.changed') process.stdout.write(`committed ${JSON.stringify(payload)}\n`);
    },
  });
  const session = await services.handlers['sessions.create']({ title: 'Crash run', date: '2026-07-08', modality: 'bright-field' });
  const sources = fs
    .readdirSync(sourceDir)
    .sort()
    .map((name) => ({ kind: 'path' as const, path: path.join(sourceDir, name) }));
  await services.handlers['captures.import']({ sessionId: session.id, sources });
  process.stdout.write('started\n');
  await services.idle();
  process.stdout.write('finished\n');
  await services.close();
}

void main();
