import { describe, expect, it } from 'vitest';
import { checkFfmpeg, FfmpegCamera, outputFormatFor, parseAvfoundationDevices, parseDshowDevices, parseDshowOptions, parseV4l2Formats, TEST_PATTERN_ID } from './ffmpeg';
import type { Frame } from './types';

const haveFfmpeg = (await checkFfmpeg()) === null;

function collect(camera: FfmpegCamera, count: number, timeoutMs = 20_000): Promise<{ frames: Frame[]; arrivals: number[] }> {
  const frames: Frame[] = [];
  const arrivals: number[] = [];
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} of ${count} frames arrived; state ${JSON.stringify(camera.state())}`)), timeoutMs);
    const off = camera.onFrame((frame) => {
      frames.push(frame);
      arrivals.push(performance.now());
      if (frames.length === count) {
        clearTimeout(timer);
        off();
        resolve({ frames, arrivals });
      }
    });
  });
}

describe.skipIf(!haveFfmpeg)('ffmpeg source against lavfi testsrc2', () => {
  it('delivers 16-bit grey frames of the asked size at the asked rate', async () => {
    const camera = new FfmpegCamera(TEST_PATTERN_ID, 'test', { widthPx: 160, heightPx: 120, fps: 10, pixelFormat: 'gray16le' });
    await camera.start();
    try {
      const { frames, arrivals } = await collect(camera, 16);
      for (const f of frames) {
        expect(f).toMatchObject({ widthPx: 160, heightPx: 120, channels: 1, bitDepth: 16 });
        expect(f.data).toBeInstanceOf(Uint16Array);
        expect(f.data.length).toBe(160 * 120);
      }
      // testsrc2 draws a colour pattern: grey16 shows real 16-bit values, not 8-bit ones.
      expect(frames[5]!.data.some((v) => v > 255)).toBe(true);
      expect(frames.map((f) => f.seq)).toEqual([...Array(16).keys()]);
      // -re paces lavfi at its own rate: ~10 fps (the first frames may come in a rush as ffmpeg starts).
      const rate = (10 * 1000) / (arrivals[15]! - arrivals[5]!);
      expect(rate).toBeGreaterThan(6);
      expect(rate).toBeLessThan(14);
      expect(camera.state().status).toBe('running');
    } finally {
      await camera.stop();
    }
    expect(camera.state().status).toBe('stopped');
  });

  it('delivers 8-bit RGB frames', async () => {
    const camera = new FfmpegCamera(TEST_PATTERN_ID, 'test', { widthPx: 64, heightPx: 48, fps: 25, pixelFormat: 'rgb24' });
    await camera.start();
    try {
      const { frames } = await collect(camera, 3);
      expect(frames[2]).toMatchObject({ widthPx: 64, heightPx: 48, channels: 3, bitDepth: 8 });
      expect(frames[2]!.data).toBeInstanceOf(Uint8Array);
      expect(frames[2]!.data.length).toBe(64 * 48 * 3);
    } finally {
      await camera.stop();
    }
  });

  it('reconnects when ffmpeg goes away (a camera unplugged) and frames resume', async () => {
    const camera = new FfmpegCamera(TEST_PATTERN_ID, 'test', { widthPx: 64, heightPx: 48, fps: 20, pixelFormat: 'gray' });
    await camera.start();
    try {
      await collect(camera, 2);
      camera.killProcessForTest();
      await new Promise((r) => setTimeout(r, 100));
      expect(camera.state()).toMatchObject({ status: 'reconnecting', message: expect.stringMatching(/reconnecting/) });
      await collect(camera, 3);
      expect(camera.state().status).toBe('running');
    } finally {
      await camera.stop();
    }
  });
});

describe('ffmpeg device listings', () => {
  it('reads V4L2 formats, DirectShow devices and options, AVFoundation devices', () => {
    const v4l2 = `[video4linux2,v4l2 @ 0x5] Raw       :     yuyv422 :           YUYV 4:2:2 : 640x480 1280x720
[video4linux2,v4l2 @ 0x5] Raw       :        y16 :     16-bit Greyscale : 1920x1200
[video4linux2,v4l2 @ 0x5] Compressed:       mjpeg :          Motion-JPEG : 1920x1080`;
    expect(parseV4l2Formats(v4l2)).toEqual([
      { widthPx: 640, heightPx: 480, fps: 30, pixelFormat: 'yuyv422' },
      { widthPx: 1280, heightPx: 720, fps: 30, pixelFormat: 'yuyv422' },
      { widthPx: 1920, heightPx: 1200, fps: 30, pixelFormat: 'y16' },
      { widthPx: 1920, heightPx: 1080, fps: 30, pixelFormat: 'mjpeg' },
    ]);
    expect(parseDshowDevices('[dshow @ 0] "USB Camera" (video)\n[dshow @ 0] "Mic" (audio)')).toEqual(['USB Camera']);
    expect(parseDshowOptions('[dshow @ 0]   pixel_format=yuyv422  min s=1280x720 fps=5 max s=1280x720 fps=30')).toEqual([
      { widthPx: 1280, heightPx: 720, fps: 30, pixelFormat: 'yuyv422' },
    ]);
    expect(parseAvfoundationDevices('[AVFoundation indev @ 0] AVFoundation video devices:\n[AVFoundation indev @ 0] [0] FaceTime HD Camera\n[AVFoundation indev @ 0] AVFoundation audio devices:\n[AVFoundation indev @ 0] [0] Mic')).toEqual([
      { index: '0', name: 'FaceTime HD Camera' },
    ]);
    expect(outputFormatFor('y16')).toBe('gray16le');
    expect(outputFormatFor('gray16le')).toBe('gray16le');
    expect(outputFormatFor('yuyv422')).toBe('rgb24');
  });

  it('says clearly when ffmpeg is missing', async () => {
    const previous = process.env.LUCIDA_FFMPEG;
    process.env.LUCIDA_FFMPEG = '/nonexistent/ffmpeg';
    try {
      const camera = new FfmpegCamera(TEST_PATTERN_ID, 'test', { widthPx: 64, heightPx: 48, fps: 20, pixelFormat: 'gray' });
      // The check is cached per process; a direct launch with a missing binary fails with the same message.
      (camera as unknown as { launch(): void }).launch();
      await new Promise((r) => setTimeout(r, 200));
      expect(camera.state()).toMatchObject({ status: 'failed', message: expect.stringMatching(/ffmpeg was not found.*apt install ffmpeg/) });
    } finally {
      if (previous === undefined) delete process.env.LUCIDA_FFMPEG;
      else process.env.LUCIDA_FFMPEG = previous;
    }
  });
});
