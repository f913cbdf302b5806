import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { resolveInside, resolveStatic } from './static';

let root: string;
let outside: string;

beforeAll(() => {
  root = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-static-'));
  outside = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-outside-'));
  fs.mkdirSync(path.join(root, 'assets'));
  fs.writeFileSync(path.join(root, 'index.html'), '<!doctype html>');
  fs.writeFileSync(path.join(root, 'assets/app.js'), '1');
  fs.writeFileSync(path.join(outside, 'secret.txt'), 'secret');
  fs.symlinkSync(path.join(outside, 'secret.txt'), path.join(root, 'assets/link.txt'));
});
afterAll(() => {
  fs.rmSync(root, { recursive: true, force: true });
  fs.rmSync(outside, { recursive: true, force: true });
});

describe('resolveInside (path-traversal guard shared by both hosts)', () => {
  it('serves files inside the root', () => {
    expect(resolveInside(root, '/assets/app.js')).toBe(fs.realpathSync(path.join(root, 'assets/app.js')));
  });
  it.each(['/../' + 'x', '/assets/../../etc/passwd', '/%2e%2e/%2e%2e/etc/passwd', '/assets/..%2f..%2fetc/passwd', '/a\\..\\..\\b', '/x%00.js'])(
    'keeps %s inside the root',
    (attempt) => {
      const resolved = resolveInside(root, attempt);
      if (resolved !== null) expect(resolved.startsWith(fs.realpathSync(root))).toBe(true);
    },
  );
  it('refuses a symlink that points outside the root', () => {
    expect(resolveInside(root, '/assets/link.txt')).toBeNull();
  });
  it('refuses malformed percent-encoding', () => {
    expect(resolveInside(root, '/%E0%A4%A')).toBeNull();
  });
});

describe('resolveStatic', () => {
  const noLibrary = () => null;
  it('answers index.html for app routes without an extension', () => {
    expect(resolveStatic('/catalog/specimens', root, noLibrary)).toEqual({ kind: 'file', file: fs.realpathSync(path.join(root, 'index.html')) });
  });
  it('answers not-found for a missing asset', () => {
    expect(resolveStatic('/assets/missing.js', root, noLibrary)).toEqual({ kind: 'not-found' });
  });
  it('sends /library/ paths to the library guard and forbids what it refuses', () => {
    const seen: string[] = [];
    const target = resolveStatic('/library/images/../catalog.sqlite', root, (p) => {
      seen.push(p);
      return null;
    });
    expect(seen).toEqual(['images/../catalog.sqlite']);
    expect(target).toEqual({ kind: 'forbidden' });
  });
});
