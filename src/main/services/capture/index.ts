export { createCaptureService, type CaptureService, type CaptureDeps } from './service';
export { LiveHub, packLiveFrame, type LiveSink } from './live';
export { attachLiveChannel, serveLivePort, LIVE_WINDOW, type LiveChannel, type LivePort, type AttachedLiveChannel } from './live-channel';
export { SimulatedMicroscope, OBJECTIVES, SIMULATED_SOURCE_ID } from './simulated';
export { FfmpegCamera, TEST_PATTERN_ID, listFfmpegSources, checkFfmpeg, FFMPEG_MISSING } from './ffmpeg';
export type { Frame, CameraSource } from './types';
