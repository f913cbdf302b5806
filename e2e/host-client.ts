/**
 * A contract client for specs that talk to the browser host without a browser (crash safety, protocol abuse):
 * the same WebSocket framing the renderer uses, from Node.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import WebSocket from 'ws';
import type { CallName, Envelope } from '../src/shared/contract';
import type { HostMessage } from '../src/shared/wire';

export const repoRoot = path.resolve(__dirname, '..');

export interface RunningHost {
  url: string;
  child: ChildProcess;
  stop(): Promise<void>;
}

/** Starts `out/main/serve.js` on a free port and waits for the line that announces its URL. */
export function startHost(libraryDir: string): Promise<RunningHost> {
  const child = spawn(process.execPath, [path.join(repoRoot, 'out/main/serve.js'), '--library', libraryDir, '--port', '0'], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
  return new Promise((resolve, reject) => {
    let stdout = '';
    const onData = (d: Buffer) => {
      stdout += d.toString();
      const match = /Lucida browser host: (http:\/\/\S+)/.exec(stdout);
      if (!match) return;
      child.stdout!.off('data', onData);
      resolve({
        url: match[1]!,
        child,
        stop: () =>
          new Promise((done) => {
            if (child.exitCode !== null || child.signalCode !== null) return done();
            child.once('exit', () => done());
            child.kill('SIGTERM');
          }),
      });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code) => reject(new Error(`The host exited (${code}) before it listened: ${stderr}`)));
  });
}

export class HostClient {
  private nextId = 1;
  private pending = new Map<number, (envelope: Envelope<unknown>) => void>();
  private listeners = new Set<(event: string, payload: unknown) => void>();
  private constructor(private socket: WebSocket) {
    socket.on('message', (data) => {
      const message = JSON.parse(String(data)) as HostMessage;
      if (message.type === 'result') {
        this.pending.get(message.id)?.(message.envelope as Envelope<unknown>);
        this.pending.delete(message.id);
      } else {
        for (const listener of this.listeners) listener(message.event, message.payload);
      }
    });
  }

  static connect(url: string): Promise<HostClient> {
    const origin = new URL(url).origin;
    const socket = new WebSocket(`${origin.replace('http', 'ws')}/rpc`, { origin });
    return new Promise((resolve, reject) => {
      socket.once('open', () => resolve(new HostClient(socket)));
      socket.once('error', reject);
    });
  }

  call(channel: CallName | string, payload: unknown): Promise<Envelope<unknown>> {
    const id = this.nextId++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ type: 'call', id, channel, payload }));
    });
  }

  async value<T>(channel: CallName, payload: unknown): Promise<T> {
    const envelope = await this.call(channel, payload);
    if (!envelope.ok) throw new Error(`${channel}: ${envelope.error.code}: ${envelope.error.message}`);
    return envelope.value as T;
  }

  onEvent(listener: (event: string, payload: unknown) => void): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  close(): void {
    this.socket.terminate();
  }
}
