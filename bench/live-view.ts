/**
 * Live view: the rate the page actually draws and the end-to-end latency (camera frame exposed → pixels on the
 * page's canvas) with the simulated microscope at 1280×720, through the real browser host and Debian's Chromium.
 *
 *   npx electron-vite build
 *   node_modules/.bin/node --experimental-strip-types bench/live-view.ts [--seconds 10] [--width 1280 --height 720] [--fps 30]
 *
 * First, in this process, the host's work per frame stage by stage (CPU ms: simulated exposure, display statistics,
 * display JPEG), then three measurements over the same host:
 *   1. camera only: frames the simulated microscope makes per second (grab + noise, on the host's event loop),
 *      with no view attached;
 *   2. host → socket: a Node WebSocket client on /live that acknowledges every frame at once (no decode, no draw):
 *      the host's own ceiling (stats + 8-bit conversion + JPEG);
 *   3. Chromium: the app's Capture section, frames decoded (createImageBitmap) and drawn on the canvas; the page's
 *      own counters (window.__lucidaLive) give drawn fps, dropped frames (sequence gaps) and latency, measured
 *      in the animation frame after the draw against the frame's exposure time (same machine clock).
 * Prints a table and writes bench/results/live-view.json.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';

// Our sources import each other without extensions (bundler style); the shared hook lets Node find the .ts files.
await import('../src/main/services/inference/ts-hooks.mjs');

(globalThis as { __dirname?: string }).__dirname = path.resolve(import.meta.dirname, '../e2e');
const harness = await import('../e2e/harness');
const { default: WebSocket } = await import('ws');

/** The contract over the browser host's /rpc socket (host-client.ts's framing; that file needs full TypeScript). */
async function connectRpc(url: string) {
  const origin = new URL(url).origin;
  const socket = new WebSocket(`${origin.replace('http', 'ws')}/rpc`, { origin });
  await new Promise((resolve, reject) => socket.once('open', resolve).once('error', reject));
  let nextId = 1;
  const pending = new Map<number, (envelope: { ok: boolean; value?: unknown; error?: { message: string } }) => void>();
  socket.on('message', (data) => {
    const message = JSON.parse(String(data));
    if (message.type === 'result') pending.get(message.id)?.(message.envelope);
  });
  return {
    value<T>(channel: string, payload: unknown): Promise<T> {
      const id = nextId++;
      return new Promise((resolve, reject) => {
        pending.set(id, (e) => (e.ok ? resolve(e.value as T) : reject(new Error(`${channel}: ${e.error?.message}`))));
        socket.send(JSON.stringify({ type: 'call', id, channel, payload }));
      });
    },
    close: () => socket.terminate(),
  };
}

const args = process.argv.slice(2);
const arg = (name: string, fallback: number) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? Number(args[i + 1]) : fallback;
};
const SECONDS = arg('seconds', 10);
const WIDTH = arg('width', 1280);
const HEIGHT = arg('height', 720);
const FPS = arg('fps', 30);
const TARGET_FPS = 25;

/**
 * CPU time (ms) used so far by a process and all its descendants, from /proc (Linux): a cost per frame that,
 * unlike frame rates, does not depend on how busy the rest of the machine is. Null elsewhere.
 */
function cpuMsOfTree(rootPid: number | undefined): number | null {
  if (!rootPid || !fs.existsSync('/proc/self/stat')) return null;
  const parent = new Map<number, number>();
  const ticks = new Map<number, number>();
  for (const entry of fs.readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      const stat = fs.readFileSync(`/proc/${entry}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
      parent.set(Number(entry), Number(fields[1]));
      ticks.set(Number(entry), Number(fields[11]) + Number(fields[12]));
    } catch {
      // the process ended meanwhile
    }
  }
  let total = 0;
  for (const [pid, t] of ticks) {
    for (let p: number | undefined = pid; p && p > 1; p = parent.get(p)) {
      if (p === rootPid) {
        total += t;
        break;
      }
    }
  }
  return total * 10; // USER_HZ is 100 on Linux: one tick = 10 ms
}

const round = (v: number, d = 1) => Math.round(v * 10 ** d) / 10 ** d;
const pct = (values: number[], p: number) => {
  if (!values.length) return NaN;
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))]!;
};
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

/**
 * CPU ms per frame of each host stage, in this process (process.cpuUsage counts libvips' threads too): the
 * simulated exposure (noise on the cached field), the histogram/clipping/focus statistics, and the display JPEG.
 */
async function hostStages(frames = 30): Promise<{ grabMs: number; statsMs: number; jpegMs: number }> {
  const { SimulatedMicroscope } = await import('../src/main/services/capture/simulated');
  const { frameStats } = await import('../src/main/services/capture/display');
  const { displayJpeg } = await import('../src/main/services/capture/live');
  const sim = new SimulatedMicroscope({ seed: 1, mode: { widthPx: WIDTH, heightPx: HEIGHT, fps: FPS } });
  const cpu = () => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1000;
  };
  // Warm-up: the field is rendered once (cached while stage and optics stand still) and the code is optimised.
  for (let i = 0; i < 5; i++) await displayJpeg(sim.grab());
  const grabbed = [];
  let c0 = cpu();
  for (let i = 0; i < frames; i++) grabbed.push(sim.grab());
  const grabMs = (cpu() - c0) / frames;
  c0 = cpu();
  for (const f of grabbed) frameStats(f);
  const statsMs = (cpu() - c0) / frames;
  c0 = cpu();
  for (const f of grabbed) await displayJpeg(f);
  const jpegMs = (cpu() - c0) / frames;
  return { grabMs, statsMs, jpegMs };
}

const libraryDir = fs.mkdtempSync(path.join(os.tmpdir(), 'lucida-bench-live-'));
const host = await harness.startBrowserHost(libraryDir);
const client = await connectRpc(host.url);
type State = { frames: number; sourceFps: number };

async function cameraOnly(): Promise<{ fps: number; hostCpuMsPerFrame: number | null }> {
  await client.value('capture.start', { sourceId: 'simulated', mode: { widthPx: WIDTH, heightPx: HEIGHT, fps: FPS } });
  await sleep(2000);
  const a = await client.value<State>('capture.state', {});
  const c0 = cpuMsOfTree(host.child.pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const b = await client.value<State>('capture.state', {});
  const c1 = cpuMsOfTree(host.child.pid);
  return { fps: ((b.frames - a.frames) * 1000) / (performance.now() - t0), hostCpuMsPerFrame: c0 === null || c1 === null ? null : (c1 - c0) / (b.frames - a.frames) };
}

async function socketOnly(): Promise<{ fps: number; bytesPerFrame: number; dropped: number; hostCpuMsPerFrame: number | null }> {
  const origin = new URL(host.url).origin;
  const ws = new WebSocket(`${origin.replace('http', 'ws')}/live`, { origin });
  await new Promise((resolve, reject) => ws.once('open', resolve).once('error', reject));
  let received = 0;
  let bytes = 0;
  let counting = false;
  let firstSeq = -1;
  let lastSeq = -1;
  ws.on('message', (data: Buffer) => {
    ws.send('ready');
    const headerLength = data.readUInt32LE(0);
    const seq = (JSON.parse(data.subarray(4, 4 + headerLength).toString()) as { seq: number }).seq;
    if (!counting) return;
    if (firstSeq < 0) firstSeq = seq;
    lastSeq = seq;
    received++;
    bytes += data.length;
  });
  await sleep(2000);
  counting = true;
  const c0 = cpuMsOfTree(host.child.pid);
  const t0 = performance.now();
  await sleep(SECONDS * 1000);
  const elapsed = performance.now() - t0;
  const c1 = cpuMsOfTree(host.child.pid);
  ws.close();
  // Host CPU per camera frame (it makes every frame, and encodes those it sends).
  const frames = lastSeq - firstSeq + 1;
  return { fps: (received * 1000) / elapsed, bytesPerFrame: bytes / Math.max(1, received), dropped: frames - received, hostCpuMsPerFrame: c0 === null || c1 === null ? null : (c1 - c0) / Math.max(1, received) };
}

async function browser() {
  const chromium = await harness.launchChromium();
  try {
    const page = await chromium.newPage({ viewport: { width: 1600, height: 1000 } });
    await page.goto(host.url);
    await page.getByTestId('host-info').waitFor({ timeout: 15_000 });
    await page.evaluate(async () => {
      await window.lucida!.sessions.create({ title: 'Bench', date: '2026-11-27', modality: 'bright-field' });
    });
    await page.getByRole('tab', { name: 'Capture' }).click();
    await page.waitForFunction(() => (window.__lucidaLive?.drawn ?? 0) > 10, undefined, { timeout: 30_000 });
    await sleep(2000);
    type Live = { drawn: number; lastSeq: number; latencies: number[] };
    const read = () => page.evaluate(() => {
      const l = window.__lucidaLive!;
      return { drawn: l.drawn, lastSeq: l.lastSeq, latencies: [...l.latencies] } as Live;
    });
    const a = await read();
    const s0 = await client.value<State>('capture.state', {});
    // Chromium's processes are the rest of this script's tree once the host's and the script's own are taken out.
    const browserCpu = () => {
      const all = cpuMsOfTree(process.pid);
      const hostMs = cpuMsOfTree(host.child.pid);
      const own = process.cpuUsage();
      return all === null || hostMs === null ? null : all - hostMs - (own.user + own.system) / 1000;
    };
    const cb0 = browserCpu();
    const ch0 = cpuMsOfTree(host.child.pid);
    const t0 = performance.now();
    await sleep(SECONDS * 1000);
    const b = await read();
    const s1 = await client.value<State>('capture.state', {});
    const cb1 = browserCpu();
    const ch1 = cpuMsOfTree(host.child.pid);
    const elapsed = performance.now() - t0;
    const latencies = b.latencies.slice(a.latencies.length);
    const drawn = Math.max(1, b.drawn - a.drawn);
    return {
      browserCpuMsPerFrame: cb0 === null || cb1 === null ? null : (cb1 - cb0) / drawn,
      hostCpuMsPerDrawnFrame: ch0 === null || ch1 === null ? null : (ch1 - ch0) / drawn,
      drawnFps: ((b.drawn - a.drawn) * 1000) / elapsed,
      cameraFps: ((s1.frames - s0.frames) * 1000) / elapsed,
      // Camera frames between the two readings that the page never drew (the host dropped them for it).
      dropped: b.lastSeq - a.lastSeq - (b.drawn - a.drawn),
      latencyMs: { p50: pct(latencies, 50), p95: pct(latencies, 95), mean: latencies.reduce((s, v) => s + v, 0) / Math.max(1, latencies.length), samples: latencies.length },
    };
  } finally {
    await chromium.close();
  }
}

try {
  const stages = await hostStages();
  const camera = await cameraOnly();
  const socket = await socketOnly();
  const page = await browser();
  const results = {
    date: new Date().toISOString(),
    machine: { cpus: os.cpus().length, model: os.cpus()[0]?.model ?? 'unknown', loadAverage: os.loadavg().map((v) => round(v, 2)) },
    frame: { widthPx: WIDTH, heightPx: HEIGHT, cameraFpsAsked: FPS, seconds: SECONDS, transport: 'WebSocket /live, JPEG q80, ack flow control (2 in flight)' },
    hostStagesCpuMsPerFrame: { simulatedExposure: round(stages.grabMs), statistics: round(stages.statsMs), displayJpeg: round(stages.jpegMs) },
    cameraOnlyFps: round(camera.fps),
    cameraOnlyHostCpuMsPerFrame: camera.hostCpuMsPerFrame === null ? null : round(camera.hostCpuMsPerFrame),
    hostSocket: { fps: round(socket.fps), kBPerFrame: round(socket.bytesPerFrame / 1024), dropped: socket.dropped, hostCpuMsPerSentFrame: socket.hostCpuMsPerFrame === null ? null : round(socket.hostCpuMsPerFrame) },
    chromium: {
      drawnFps: round(page.drawnFps),
      cameraFps: round(page.cameraFps),
      dropped: page.dropped,
      hostCpuMsPerDrawnFrame: page.hostCpuMsPerDrawnFrame === null ? null : round(page.hostCpuMsPerDrawnFrame),
      browserCpuMsPerDrawnFrame: page.browserCpuMsPerFrame === null ? null : round(page.browserCpuMsPerFrame),
      latencyMs: { p50: round(page.latencyMs.p50), p95: round(page.latencyMs.p95), mean: round(page.latencyMs.mean), samples: page.latencyMs.samples },
    },
    targetFps: TARGET_FPS,
  };
  // What the pipeline could sustain on this machine's CPUs if nothing else ran: both processes' CPU per drawn
  // frame against the cores available (the camera, encoder and browser run in parallel threads).
  const cpuPerFrame = (results.chromium.hostCpuMsPerDrawnFrame ?? NaN) + (results.chromium.browserCpuMsPerDrawnFrame ?? NaN);
  const idleEstimateFps = Math.min(FPS, (1000 * os.cpus().length) / cpuPerFrame);
  Object.assign(results, { cpuMsPerDrawnFrame: round(cpuPerFrame), idleMachineEstimateFps: round(idleEstimateFps) });
  const rows: [string, string, string][] = [
    [
      'host stages (CPU per frame)',
      `${round(stages.grabMs + stages.statsMs + stages.jpegMs)} ms`,
      `exposure ${round(stages.grabMs)} + statistics ${round(stages.statsMs)} + JPEG ${round(stages.jpegMs)} ms`,
    ],
    ['simulated camera alone', `${results.cameraOnlyFps} fps`, `asked ${FPS}`],
    ['host → /live socket (no decode)', `${results.hostSocket.fps} fps`, `${results.hostSocket.kBPerFrame} kB/frame, ${results.hostSocket.dropped} dropped`],
    ['Chromium: frames drawn', `${results.chromium.drawnFps} fps`, `target ≥ ${TARGET_FPS} ${results.chromium.drawnFps >= TARGET_FPS ? '✓' : '✗'}`],
    ['Chromium: camera rate meanwhile', `${results.chromium.cameraFps} fps`, `${results.chromium.dropped} camera frames not shown`],
    ['CPU per drawn frame (host + Chromium)', `${round(cpuPerFrame)} ms`, `host ${results.chromium.hostCpuMsPerDrawnFrame} + browser ${results.chromium.browserCpuMsPerDrawnFrame} ms; camera alone ${results.cameraOnlyHostCpuMsPerFrame} ms`],
    ['→ rate the CPUs allow when idle', `${round(idleEstimateFps)} fps`, `${os.cpus().length} cores, capped at the camera's ${FPS} fps ${idleEstimateFps >= TARGET_FPS ? '✓' : '✗'}`],
    ['latency exposure → drawn (p50)', `${results.chromium.latencyMs.p50} ms`, `p95 ${results.chromium.latencyMs.p95} ms, mean ${results.chromium.latencyMs.mean} ms, n=${results.chromium.latencyMs.samples}`],
  ];
  const w0 = Math.max(...rows.map((r) => r[0].length));
  const w1 = Math.max(...rows.map((r) => r[1].length));
  console.log(`\nLive view ${WIDTH}×${HEIGHT}, ${SECONDS} s per measurement, ${results.machine.cpus} CPUs (load ${results.machine.loadAverage.join(' ')})`);
  for (const [a, b, c] of rows) console.log(`  ${a.padEnd(w0)}  ${b.padStart(w1)}  ${c}`);
  const out = path.resolve(import.meta.dirname, 'results/live-view.json');
  fs.mkdirSync(path.dirname(out), { recursive: true });
  fs.writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  console.log(`\nwrote ${path.relative(process.cwd(), out)}`);
} finally {
  client.close();
  await host.stop();
  fs.rmSync(libraryDir, { recursive: true, force: true });
}
