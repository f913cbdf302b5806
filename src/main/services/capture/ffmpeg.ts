/**
 * System cameras through ffmpeg: V4L2 on Linux, DirectShow on Windows, AVFoundation on macOS, plus ffmpeg's own
 * test pattern (lavfi testsrc2) for tests and demos. ffmpeg decodes whatever the camera sends and writes raw
 * frames to stdout in one of four layouts Lucida keeps at full depth: gray, gray16le, rgb24, rgb48le. When the
 * process ends without being asked (a camera unplugged), the source reconnects with a growing delay.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import fs from 'node:fs';
import type { CaptureMode, CaptureSource } from '../../../shared/contract';
import { AppError } from '../../../shared/errors';
import type { CameraSource, Frame, FrameListener, SourceState } from './types';

export const TEST_PATTERN_ID = 'test-pattern';
const OUTPUT_FORMATS = { gray: { channels: 1, bytes: 1, bits: 8 }, gray16le: { channels: 1, bytes: 2, bits: 16 }, rgb24: { channels: 3, bytes: 1, bits: 8 }, rgb48le: { channels: 3, bytes: 2, bits: 16 } } as const;
type OutputFormat = keyof typeof OUTPUT_FORMATS;

export const FFMPEG_MISSING =
  'ffmpeg was not found, so system cameras cannot be used. Install it (Debian/Ubuntu: sudo apt install ffmpeg; macOS: brew install ffmpeg; Windows: winget install ffmpeg) or set LUCIDA_FFMPEG to the ffmpeg program, then look for cameras again.';

export function ffmpegPath(env: NodeJS.ProcessEnv = process.env): string {
  return env.LUCIDA_FFMPEG || 'ffmpeg';
}

/** Runs ffmpeg to completion and returns its stderr (where it lists devices); rejects with FFMPEG_MISSING when absent. */
function runFfmpeg(args: string[], timeoutMs = 8000): Promise<string> {
  return new Promise((resolve, reject) => {
    let child: ChildProcess;
    try {
      child = spawn(ffmpegPath(), ['-hide_banner', ...args], { stdio: ['ignore', 'ignore', 'pipe'] });
    } catch {
      reject(new AppError('not-found', FFMPEG_MISSING));
      return;
    }
    let err = '';
    child.stderr!.on('data', (d: Buffer) => (err += d.toString()));
    const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
    child.once('error', (error: NodeJS.ErrnoException) => {
      clearTimeout(timer);
      reject(error.code === 'ENOENT' ? new AppError('not-found', FFMPEG_MISSING) : error);
    });
    child.once('close', () => {
      clearTimeout(timer);
      resolve(err);
    });
  });
}

let ffmpegAvailable: Promise<string | null> | null = null;
/** Null when ffmpeg runs, else the message to show. Checked once per process. */
export function checkFfmpeg(): Promise<string | null> {
  ffmpegAvailable ??= runFfmpeg(['-version']).then(
    () => null,
    (error: unknown) => (error instanceof AppError ? error.message : `ffmpeg could not be started (${String(error)}).`),
  );
  return ffmpegAvailable;
}

/** Width×height tokens in ffmpeg's device listings. */
const SIZE = /\b(\d{2,5})x(\d{2,5})\b/g;

/** Modes of a V4L2 device from `-list_formats all` (rates are not listed there; 30 fps is asked for). */
export function parseV4l2Formats(text: string): CaptureMode[] {
  const modes: CaptureMode[] = [];
  for (const line of text.split('\n')) {
    const m = /(Raw|Compressed)\s*:\s*(\S+)\s*:[^:]*:\s*(.*)$/.exec(line);
    if (!m) continue;
    const pixelFormat = m[2]!;
    for (const size of m[3]!.matchAll(SIZE)) modes.push({ widthPx: Number(size[1]), heightPx: Number(size[2]), fps: 30, pixelFormat });
  }
  return modes;
}

/** Device names from DirectShow's `-list_devices true` (video devices only). */
export function parseDshowDevices(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /"([^"]+)"\s*\(video\)/.exec(line);
    if (m) names.push(m[1]!);
  }
  return names;
}

/** Modes from DirectShow's `-list_options true`: `pixel_format=… min s=WxH fps=a max s=WxH fps=b`. */
export function parseDshowOptions(text: string): CaptureMode[] {
  const modes: CaptureMode[] = [];
  for (const line of text.split('\n')) {
    const m = /(?:pixel_format|vcodec)=(\S+)\s+min s=(\d+)x(\d+) fps=([\d.]+)\s+max s=(\d+)x(\d+) fps=([\d.]+)/.exec(line);
    if (m) modes.push({ widthPx: Number(m[5]), heightPx: Number(m[6]), fps: Number(m[7]), pixelFormat: m[1]! });
  }
  return modes;
}

/** `[index] name` pairs of AVFoundation's video devices (the list before "audio devices"). */
export function parseAvfoundationDevices(text: string): { index: string; name: string }[] {
  const devices: { index: string; name: string }[] = [];
  let inVideo = false;
  for (const line of text.split('\n')) {
    if (/video devices/i.test(line)) inVideo = true;
    else if (/audio devices/i.test(line)) inVideo = false;
    else if (inVideo) {
      const m = /\]\s*\[(\d+)\]\s*(.+)$/.exec(line);
      if (m) devices.push({ index: m[1]!, name: m[2]!.trim() });
    }
  }
  return devices;
}

const TEST_PATTERN_MODES: CaptureMode[] = [
  { widthPx: 1280, heightPx: 720, fps: 30, pixelFormat: 'rgb24' },
  { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'rgb24' },
  { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'gray16le' },
  { widthPx: 320, heightPx: 240, fps: 15, pixelFormat: 'gray' },
];

/** Every camera ffmpeg can open here, and its test pattern; unavailable entries say why. */
export async function listFfmpegSources(platform: NodeJS.Platform = process.platform): Promise<CaptureSource[]> {
  const missing = await checkFfmpeg();
  const testPattern: CaptureSource = { id: TEST_PATTERN_ID, kind: 'test-pattern', label: 'ffmpeg test pattern (testsrc2)', modes: TEST_PATTERN_MODES, available: missing === null, reason: missing };
  if (missing) return [testPattern, { id: 'ffmpeg', kind: 'ffmpeg', label: 'System cameras', modes: [], available: false, reason: missing }];
  const sources: CaptureSource[] = [];
  try {
    if (platform === 'linux') {
      const devices = fs.existsSync('/dev') ? fs.readdirSync('/dev').filter((d) => /^video\d+$/.test(d)).sort() : [];
      for (const dev of devices) {
        const text = await runFfmpeg(['-f', 'v4l2', '-list_formats', 'all', '-i', `/dev/${dev}`]);
        const modes = parseV4l2Formats(text);
        // Metadata nodes of one camera list no formats: not something to open.
        if (modes.length) sources.push({ id: `ffmpeg:v4l2:/dev/${dev}`, kind: 'ffmpeg', label: `Camera /dev/${dev}`, modes, available: true, reason: null });
      }
    } else if (platform === 'win32') {
      for (const name of parseDshowDevices(await runFfmpeg(['-list_devices', 'true', '-f', 'dshow', '-i', 'dummy']))) {
        const modes = parseDshowOptions(await runFfmpeg(['-list_options', 'true', '-f', 'dshow', '-i', `video=${name}`]));
        sources.push({ id: `ffmpeg:dshow:${name}`, kind: 'ffmpeg', label: name, modes, available: true, reason: null });
      }
    } else if (platform === 'darwin') {
      for (const d of parseAvfoundationDevices(await runFfmpeg(['-f', 'avfoundation', '-list_devices', 'true', '-i', '']))) {
        const modes = [1920, 1280, 640].map((w) => ({ widthPx: w, heightPx: (w * 9) / 16, fps: 30, pixelFormat: 'uyvy422' }));
        sources.push({ id: `ffmpeg:avfoundation:${d.index}`, kind: 'ffmpeg', label: d.name, modes, available: true, reason: null });
      }
    }
  } catch (error) {
    sources.push({ id: 'ffmpeg', kind: 'ffmpeg', label: 'System cameras', modes: [], available: false, reason: `Listing cameras failed: ${error instanceof Error ? error.message : String(error)}` });
  }
  return [testPattern, ...sources];
}

/** What ffmpeg should write for a camera pixel format: keep 16-bit grey and colour depth, else 8-bit. */
export function outputFormatFor(pixelFormat: string): OutputFormat {
  if (pixelFormat in OUTPUT_FORMATS) return pixelFormat as OutputFormat;
  if (/^(y16|gray16|gray1[0-6])/i.test(pixelFormat)) return 'gray16le';
  if (/^(gray|y8|grey)$/i.test(pixelFormat)) return 'gray';
  if (/^(rgb48|bgr48)/i.test(pixelFormat)) return 'rgb48le';
  return 'rgb24';
}

/**
 * Pixel formats a source can be started with: the formats its device lists (ffmpeg converts each to one of the
 * full-depth output layouts), and for the test pattern the output layouts themselves. Anything else — a format the
 * camera does not offer, a misspelling — is refused before ffmpeg starts rather than failing inside it.
 */
export function supportedPixelFormats(source: Pick<CaptureSource, 'kind' | 'modes'>): string[] {
  if (source.kind === 'test-pattern') return Object.keys(OUTPUT_FORMATS);
  return [...new Set(source.modes.map((m) => m.pixelFormat))];
}

export function inputArgs(sourceId: string, mode: CaptureMode): string[] {
  const size = `${mode.widthPx}x${mode.heightPx}`;
  if (sourceId === TEST_PATTERN_ID) return ['-re', '-f', 'lavfi', '-i', `testsrc2=size=${size}:rate=${mode.fps}`];
  const [, backend, ...rest] = sourceId.split(':');
  const device = rest.join(':');
  const common = ['-framerate', String(mode.fps), '-video_size', size];
  const raw = !(mode.pixelFormat in OUTPUT_FORMATS) && !/mjpeg|h264/i.test(mode.pixelFormat);
  if (backend === 'v4l2') return ['-f', 'v4l2', ...common, ...(mode.pixelFormat ? ['-input_format', mode.pixelFormat] : []), '-i', device];
  if (backend === 'dshow') return ['-f', 'dshow', ...common, ...(raw ? ['-pixel_format', mode.pixelFormat] : []), '-i', `video=${device}`];
  if (backend === 'avfoundation') return ['-f', 'avfoundation', ...common, '-i', `${device}:none`];
  throw new AppError('not-found', `Lucida does not know the camera “${sourceId}”; look for cameras again.`);
}

export class FfmpegCamera implements CameraSource {
  readonly id: string;
  readonly label: string;
  readonly mode: CaptureMode;
  private readonly format: OutputFormat;
  private child: ChildProcess | null = null;
  private listeners = new Set<FrameListener>();
  private wanted = false;
  private current: SourceState = { status: 'stopped', message: null };
  private seq = 0;
  private retryTimer: NodeJS.Timeout | null = null;
  private failures = 0;

  constructor(id: string, label: string, mode: CaptureMode) {
    this.id = id;
    this.label = label;
    this.mode = mode;
    this.format = outputFormatFor(mode.pixelFormat);
  }

  state(): SourceState {
    return { ...this.current };
  }

  settings(): null {
    return null;
  }

  onFrame(listener: FrameListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  async start(): Promise<void> {
    const missing = await checkFfmpeg();
    if (missing) throw new AppError('not-found', missing);
    this.wanted = true;
    this.failures = 0;
    this.launch();
  }

  async stop(): Promise<void> {
    this.wanted = false;
    if (this.retryTimer) clearTimeout(this.retryTimer);
    this.retryTimer = null;
    const child = this.child;
    this.child = null;
    this.current = { status: 'stopped', message: null };
    if (child && child.exitCode === null && child.signalCode === null) {
      await new Promise<void>((resolve) => {
        const force = setTimeout(() => child.kill('SIGKILL'), 2000);
        child.once('close', () => {
          clearTimeout(force);
          resolve();
        });
        child.kill('SIGTERM');
      });
    }
  }

  private launch(): void {
    const { channels, bytes, bits } = OUTPUT_FORMATS[this.format];
    const frameBytes = this.mode.widthPx * this.mode.heightPx * channels * bytes;
    const args = ['-hide_banner', '-loglevel', 'error', '-nostdin', ...inputArgs(this.id, this.mode), '-an', '-f', 'rawvideo', '-pix_fmt', this.format, 'pipe:1'];
    this.current = { status: this.failures ? 'reconnecting' : 'starting', message: this.current.message };
    const child = spawn(ffmpegPath(), args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.child = child;
    let pending = Buffer.alloc(frameBytes);
    let filled = 0;
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-2000)));
    child.stdout!.on('data', (chunk: Buffer) => {
      // Bytes still in the pipe after stop() belong to nobody.
      if (this.child !== child) return;
      let offset = 0;
      while (offset < chunk.length) {
        const n = Math.min(chunk.length - offset, frameBytes - filled);
        chunk.copy(pending, filled, offset, offset + n);
        filled += n;
        offset += n;
        if (filled === frameBytes) {
          const buf = pending;
          pending = Buffer.alloc(frameBytes);
          filled = 0;
          this.failures = 0;
          this.current = { status: 'running', message: null };
          this.deliver(buf, channels, bits);
        }
      }
    });
    child.once('error', (error: NodeJS.ErrnoException) => {
      this.current = { status: 'failed', message: error.code === 'ENOENT' ? FFMPEG_MISSING : `ffmpeg could not start: ${error.message}` };
      this.wanted = false;
    });
    child.once('close', (code, signal) => {
      if (this.child !== child || !this.wanted) return;
      this.child = null;
      // Unplugged, or the device went away for a moment: try again, waiting a little longer each time (≤ 5 s).
      this.failures++;
      const why = stderr.trim().split('\n').pop() || `ffmpeg ended (${code ?? signal})`;
      const delayMs = Math.min(5000, 500 * 2 ** Math.min(this.failures - 1, 4));
      this.current = {
        status: 'reconnecting',
        message: `${this.label} disconnected or stopped sending frames (${why}); reconnecting, attempt ${this.failures} in ${delayMs / 1000} s…`,
      };
      this.retryTimer = setTimeout(() => {
        this.retryTimer = null;
        if (this.wanted) this.launch();
      }, delayMs);
    });
  }

  private deliver(buf: Buffer, channels: 1 | 3, bits: number): void {
    const data = bits === 8 ? new Uint8Array(buf.buffer, buf.byteOffset, buf.byteLength) : new Uint16Array(buf.buffer, buf.byteOffset, buf.byteLength / 2);
    const frame: Frame = {
      seq: this.seq++,
      capturedAtMs: Date.now(),
      widthPx: this.mode.widthPx,
      heightPx: this.mode.heightPx,
      channels,
      bitDepth: bits,
      data,
      meta: { sourceId: this.id, sourceLabel: this.label, exposureMs: null, gain: null, objective: null, pixelSizeUm: null, stage: null, imaging: 'camera' },
    };
    for (const listener of this.listeners) listener(frame);
  }

  /** Test hook: what a kill of ffmpeg (an unplugged camera) looks like from here. */
  killProcessForTest(): void {
    this.child?.kill('SIGKILL');
  }
}
