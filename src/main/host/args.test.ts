import { describe, expect, it } from 'vitest';
import { parseHostOptions, readFlag } from './args';

describe('host options', () => {
  it('defaults to loopback on port 4780', () => {
    expect(parseHostOptions([], {})).toEqual({ port: 4780, bindAddress: '127.0.0.1', open: false });
  });
  it('reads --flag value and --flag=value forms, flags beating the environment', () => {
    expect(parseHostOptions(['--port', '0', '--host=::1'], { LUCIDA_PORT: '9' })).toEqual({ port: 0, bindAddress: '::1', open: false });
    expect(readFlag(['--library=/tmp/a b'], 'library')).toBe('/tmp/a b');
  });
  it('refuses a port that is not a port, with a readable message', () => {
    expect(() => parseHostOptions(['--port', 'eighty'], {})).toThrow(/--port must be a whole number/);
    expect(() => parseHostOptions(['--port', '70000'], {})).toThrow(/65535/);
  });
});
