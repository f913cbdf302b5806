/**
 * The end-to-end harness: a real browser host (`out/main/serve.js`) on a fresh library and port, and Debian's
 * Chromium driven by playwright-core. Specs get a page on the app and helpers to restart the host on the same
 * library, take screenshots into `e2e/artifacts/`, and collect what the page logged.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium, type Browser, type BrowserContext, type Page } from 'playwright-core';

export const repoRoot = path.resolve(__dirname, '..');
export const artifactsDir = path.join(repoRoot, 'e2e/artifacts');

export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
  '--disable-quic',
];

export interface BrowserHost {
  url: string;
  libraryDir: string;
  child: ChildProcess;
  output(): string;
  stop(): Promise<void>;
}

/** Starts the browser host on a free port and resolves when it prints the line that announces its URL. */
export function startBrowserHost(libraryDir: string, options: { port?: number; timeoutMs?: number } = {}): Promise<BrowserHost> {
  const timeoutMs = options.timeoutMs ?? 30_000;
  const serveJs = path.join(repoRoot, 'out/main/serve.js');
  if (!fs.existsSync(serveJs)) throw new Error(`${serveJs} is missing; build first with “npx electron-vite build” (npm run test:e2e does it).`);
  const localNode = path.join(repoRoot, 'node_modules/.bin/node');
  const node = process.env.LUCIDA_NODE ?? (fs.existsSync(localNode) ? localNode : process.execPath);
  const child = spawn(node, [serveJs, '--library', libraryDir, '--port', String(options.port ?? 0)], {
    cwd: repoRoot,
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ELECTRON_RUN_AS_NODE: undefined },
  });
  let log = '';
  child.stdout!.on('data', (d: Buffer) => (log += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (log += d.toString()));
  const stop = () =>
    new Promise<void>((resolve) => {
      if (child.exitCode !== null || child.signalCode !== null) return resolve();
      const force = setTimeout(() => child.kill('SIGKILL'), 5_000);
      child.once('exit', () => {
        clearTimeout(force);
        resolve();
      });
      child.kill('SIGTERM');
    });
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => {
      void stop();
      reject(new Error(`The browser host did not announce its URL within ${timeoutMs} ms. Output:\n${log}`));
    }, timeoutMs);
    const onData = () => {
      const match = /Lucida browser host: (http:\/\/\S+?)\/?\s*$/m.exec(log);
      if (!match) return;
      clearTimeout(timer);
      child.stdout!.off('data', onData);
      resolve({ url: `${match[1]}/`, libraryDir, child, output: () => log, stop });
    };
    child.stdout!.on('data', onData);
    child.once('exit', (code, signal) => {
      clearTimeout(timer);
      reject(new Error(`The browser host exited (${code ?? signal}) before it listened. Output:\n${log}`));
    });
  });
}

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.LUCIDA_CHROMIUM ?? '/usr/bin/chromium',
    args: CHROMIUM_ARGS,
  });
}

export function freshLibrary(label: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), `lucida-e2e-${label}-`));
}

export interface Lucida {
  host: BrowserHost;
  browser: Browser;
  context: BrowserContext;
  page: Page;
  libraryDir: string;
  /** Console errors, page errors and CSP violations seen so far. */
  problems: string[];
  /** Opens the app and waits until it has talked to the host (the header shows the host info). */
  open(): Promise<void>;
  /** Stops the host and starts a new one on the same library (new port), then reopens the app. */
  restartHost(): Promise<void>;
  /** Stops the host and leaves the page open, as if the host had crashed. */
  stopHost(): Promise<void>;
  /** Starts the host again on the same library and port; the open page reconnects by itself. */
  resumeHost(): Promise<void>;
  screenshot(name: string): Promise<string>;
  close(): Promise<void>;
}

export async function startLucida(label: string, options: { libraryDir?: string } = {}): Promise<Lucida> {
  const libraryDir = options.libraryDir ?? freshLibrary(label);
  let host = await startBrowserHost(libraryDir);
  let browser: Browser;
  try {
    browser = await launchChromium();
  } catch (error) {
    await host.stop();
    throw error;
  }
  const context = await browser.newContext({ viewport: { width: 1400, height: 900 }, deviceScaleFactor: 1 });
  const page = await context.newPage();
  const problems: string[] = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') problems.push(`console: ${msg.text()}`);
  });
  page.on('pageerror', (error) => problems.push(`pageerror: ${error.message}`));

  const lucida: Lucida = {
    get host() {
      return host;
    },
    browser,
    context,
    page,
    libraryDir,
    problems,
    async open() {
      await page.goto(host.url);
      await page.getByTestId('host-info').waitFor({ state: 'visible', timeout: 15_000 });
    },
    async restartHost() {
      await host.stop();
      host = await startBrowserHost(libraryDir);
      await lucida.open();
    },
    async stopHost() {
      await host.stop();
    },
    async resumeHost() {
      host = await startBrowserHost(libraryDir, { port: Number(new URL(host.url).port) });
    },
    async screenshot(name) {
      fs.mkdirSync(artifactsDir, { recursive: true });
      const file = path.join(artifactsDir, `${name}.png`);
      await page.screenshot({ path: file });
      return file;
    },
    async close() {
      await browser.close().catch(() => undefined);
      await host.stop();
    },
  };
  return lucida;
}

/** Problems worth failing a spec for: everything except the network errors a spec provokes on purpose. */
export function unexpectedProblems(problems: readonly string[], allow: readonly RegExp[] = []): string[] {
  return problems.filter((p) => !allow.some((re) => re.test(p)));
}
