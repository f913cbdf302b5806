import fs from 'node:fs';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLibraryFileResolver } from './files';
import { removeDir, tempDir, write } from './testing';

let root: string;
let lib: string;
let resolve: (p: string) => string | null;
beforeEach(() => {
  root = tempDir();
  lib = path.join(root, 'library');
  for (const sub of ['images/s1', 'thumbs', 'tiles', 'derived', '.staging']) fs.mkdirSync(path.join(lib, sub), { recursive: true });
  write(path.join(lib, 'images', 's1'), 'a b.png', 'img');
  write(path.join(lib, 'thumbs'), 't.png', 'thumb');
  write(lib, 'catalog.sqlite', 'db');
  write(path.join(lib, '.staging'), 'up', 'staged');
  write(root, 'secret.txt', 'secret');
  resolve = createLibraryFileResolver(lib);
});
afterEach(() => removeDir(root));

describe('resolveLibraryFile', () => {
  it('resolves files under the served folders, with or without the /library/ prefix, URL-decoded', () => {
    const real = fs.realpathSync(path.join(lib, 'images', 's1', 'a b.png'));
    expect(resolve('images/s1/a%20b.png')).toBe(real);
    expect(resolve('/library/images/s1/a%20b.png')).toBe(real);
    expect(resolve('/library/images/s1/a%20b.png?v=2')).toBe(real);
    expect(resolve('thumbs/t.png')).toBe(fs.realpathSync(path.join(lib, 'thumbs', 't.png')));
  });

  it('refuses traversal, absolute paths, other folders, the catalog, folders and missing files', () => {
    for (const bad of [
      '../secret.txt',
      'images/../../secret.txt',
      'images/%2e%2e/%2e%2e/secret.txt',
      'images/..%2f..%2fsecret.txt',
      '/etc/passwd',
      '%2Fetc%2Fpasswd',
      'images\\..\\..\\secret.txt',
      'images/./s1/a%20b.png',
      'images//s1/a%20b.png',
      'C:/Windows/win.ini',
      'catalog.sqlite',
      '.staging/up',
      'images',
      'images/s1',
      'images/s1/missing.png',
      'images/s1/a%00.png',
      '%E0%A4%A',
      '',
    ]) {
      expect(resolve(bad), bad).toBeNull();
    }
  });

  it('refuses a symlink that leads out of its folder, and follows one that stays inside', () => {
    fs.symlinkSync(path.join(root, 'secret.txt'), path.join(lib, 'images', 'escape.png'));
    fs.symlinkSync(path.join(lib, 'catalog.sqlite'), path.join(lib, 'thumbs', 'db.png'));
    fs.symlinkSync(path.join(lib, 'images', 's1', 'a b.png'), path.join(lib, 'images', 'alias.png'));
    fs.symlinkSync(root, path.join(lib, 'derived', 'outside'));
    expect(resolve('images/escape.png')).toBeNull();
    expect(resolve('thumbs/db.png')).toBeNull();
    expect(resolve('derived/outside/secret.txt')).toBeNull();
    expect(resolve('images/alias.png')).toBe(fs.realpathSync(path.join(lib, 'images', 's1', 'a b.png')));
  });
});
