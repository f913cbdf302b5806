import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { resolveLibraryDir } from './paths';

const base = { argv: [] as string[], env: {} as Record<string, string | undefined>, platform: 'linux' as NodeJS.Platform, homeDir: '/home/ada' };

describe('resolveLibraryDir', () => {
  it('takes --library DIR over everything', () => {
    expect(resolveLibraryDir({ ...base, argv: ['--library', '/data/lib'], env: { LUCIDA_LIBRARY: '/env/lib' } })).toBe('/data/lib');
  });

  it('takes --library=DIR, the last one winning', () => {
    expect(resolveLibraryDir({ ...base, argv: ['--library=/a', '--port', '3', '--library=/b'] })).toBe('/b');
  });

  it('resolves a relative --library against the working directory', () => {
    expect(resolveLibraryDir({ ...base, argv: ['--library', 'rel/lib'] })).toBe(path.resolve('rel/lib'));
  });

  it('ignores a --library with no value and arguments after --', () => {
    expect(resolveLibraryDir({ ...base, argv: ['--library'], env: { LUCIDA_LIBRARY: '/env/lib' } })).toBe('/env/lib');
    expect(resolveLibraryDir({ ...base, argv: ['--', '--library', '/x'], env: { LUCIDA_LIBRARY: '/env/lib' } })).toBe('/env/lib');
  });

  it('uses LUCIDA_LIBRARY when there is no flag', () => {
    expect(resolveLibraryDir({ ...base, env: { LUCIDA_LIBRARY: '/env/lib' } })).toBe('/env/lib');
  });

  it('falls back to XDG_DATA_HOME or ~/.local/share on Linux', () => {
    expect(resolveLibraryDir({ ...base, env: { XDG_DATA_HOME: '/xdg' } })).toBe('/xdg/Lucida');
    expect(resolveLibraryDir(base)).toBe('/home/ada/.local/share/Lucida');
    // A relative XDG_DATA_HOME is invalid by the XDG spec and ignored.
    expect(resolveLibraryDir({ ...base, env: { XDG_DATA_HOME: 'relative' } })).toBe('/home/ada/.local/share/Lucida');
  });

  it('uses Application Support on macOS', () => {
    expect(resolveLibraryDir({ ...base, platform: 'darwin', homeDir: '/Users/ada' })).toBe(
      '/Users/ada/Library/Application Support/Lucida',
    );
  });

  it('uses %APPDATA% on Windows, with backslashes', () => {
    expect(
      resolveLibraryDir({ ...base, platform: 'win32', homeDir: 'C:\\Users\\ada', env: { APPDATA: 'C:\\Users\\ada\\AppData\\Roaming' } }),
    ).toBe('C:\\Users\\ada\\AppData\\Roaming\\Lucida');
    expect(resolveLibraryDir({ ...base, platform: 'win32', homeDir: 'C:\\Users\\ada' })).toBe(
      'C:\\Users\\ada\\AppData\\Roaming\\Lucida',
    );
  });
});
