/**
 * `npm run lucida -- <command>`: the services without a window, for scripting and batch work.
 */
import os from 'node:os';
import path from 'node:path';
import { createServices } from './services';
import { resolveLibraryDir } from './services/library/paths';
import { createDispatcher } from './rpc';
import { forkSpawner, type InferenceClient } from './services/inference';
import { createHostInference, inferenceHostEnv } from './services/enhance/hosting';
import { CLI_INFERENCE_USAGE, ENHANCE_COMMANDS, runCliInference } from './services/enhance/cli-commands';

const USAGE = `Usage: npm run lucida -- <command> [--library DIR]

Commands:
  info      where the library is and what it holds
  models    the models Lucida can run (bundled and imported)
${CLI_INFERENCE_USAGE}
  help      this text`;

async function main(argv: string[]): Promise<number> {
  const command = argv.find((a) => !a.startsWith('-'));
  if (!command || command === 'help') {
    console.log(USAGE);
    return command ? 0 : 2;
  }
  const libraryDir = resolveLibraryDir({ argv, env: process.env, platform: process.platform, homeDir: os.homedir() });
  const resourcesDir = path.resolve(__dirname, '../../resources');
  if ((ENHANCE_COMMANDS as readonly string[]).includes(command)) {
    // The inference commands need the engine, not the catalog: the library is not opened (nor swept).
    let client: InferenceClient | null = null;
    const controller = new AbortController();
    process.once('SIGINT', () => controller.abort());
    try {
      return await runCliInference(
        command,
        argv.slice(argv.indexOf(command) + 1),
        () =>
          (client ??= createHostInference({
            spawn: forkSpawner({ modulePath: path.join(__dirname, 'inferenceHost.js'), env: inferenceHostEnv() }),
            resourcesDir,
            libraryDir,
          })),
        { out: (line) => console.log(line), err: (line) => console.error(line), signal: controller.signal },
      );
    } finally {
      await (client as InferenceClient | null)?.close();
    }
  }
  const services = createServices({
    libraryDir,
    resourcesDir,
    host: 'browser',
    appVersion: process.env.npm_package_version ?? '0.1.0',
    emit: () => {},
  });
  const dispatch = createDispatcher(services.handlers);
  try {
    if (command === 'info') {
      const info = await dispatch('app.info', {});
      const specimens = await dispatch('specimens.list', {});
      if (!info.ok || !specimens.ok) throw new Error('The catalog could not be read.');
      console.log(`Library: ${libraryDir}`);
      console.log(`Specimens: ${(specimens.value as unknown[]).length}`);
      return 0;
    }
    if (command === 'models') {
      const models = await dispatch('models.list', {});
      if (!models.ok) throw new Error(models.error.message);
      const list = models.value as { id: string; version: string; task: string; scale: number; sha256: string }[];
      if (list.length === 0) console.log('No models are installed.');
      for (const m of list) console.log(`${m.id.padEnd(28)} ${m.version.padEnd(8)} ${m.task.padEnd(22)} ×${String(m.scale).padEnd(3)} sha256 ${m.sha256.slice(0, 12)}…`);
      return 0;
    }
    console.error(`Unknown command “${command}”.\n\n${USAGE}`);
    return 2;
  } finally {
    await services.close();
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (error: unknown) => {
    console.error(`lucida: ${error instanceof Error ? error.message : String(error)}`);
    process.exit(1);
  },
);
