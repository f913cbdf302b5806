import path from 'node:path';

export interface LibraryDirInput {
  argv: readonly string[];
  env: Readonly<Record<string, string | undefined>>;
  platform: NodeJS.Platform;
  homeDir: string;
}

export const APP_DIR_NAME = 'Lucida';

/**
 * Where the library lives: `--library DIR` / `--library=DIR` beats `LUCIDA_LIBRARY`, which beats the per-user
 * application-data folder of the OS. Relative paths are taken from the current directory, as a shell user expects.
 */
export function resolveLibraryDir({ argv, env, platform, homeDir }: LibraryDirInput): string {
  const fromArgs = libraryFromArgv(argv);
  if (fromArgs) return path.resolve(fromArgs);
  const fromEnv = env.LUCIDA_LIBRARY?.trim();
  if (fromEnv) return path.resolve(fromEnv);
  return defaultLibraryDir(platform, env, homeDir);
}

function libraryFromArgv(argv: readonly string[]): string | null {
  let found: string | null = null;
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    if (arg === '--') break;
    if (arg === '--library' && i + 1 < argv.length && argv[i + 1].trim() !== '') {
      found = argv[++i];
    } else if (arg.startsWith('--library=') && arg.length > '--library='.length) {
      found = arg.slice('--library='.length);
    }
  }
  return found;
}

export function defaultLibraryDir(
  platform: NodeJS.Platform,
  env: Readonly<Record<string, string | undefined>>,
  homeDir: string,
): string {
  // The path module of the target platform, so a Windows path is built with backslashes even when tested on Linux.
  switch (platform) {
    case 'win32': {
      const appData = env.APPDATA?.trim() || path.win32.join(homeDir, 'AppData', 'Roaming');
      return path.win32.join(appData, APP_DIR_NAME);
    }
    case 'darwin':
      return path.posix.join(homeDir, 'Library', 'Application Support', APP_DIR_NAME);
    default: {
      // XDG says a relative XDG_DATA_HOME is invalid and must be ignored.
      const xdg = env.XDG_DATA_HOME?.trim();
      const base = xdg && path.posix.isAbsolute(xdg) ? xdg : path.posix.join(homeDir, '.local', 'share');
      return path.posix.join(base, APP_DIR_NAME);
    }
  }
}
