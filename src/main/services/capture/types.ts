/**
 * What every camera source delivers and how the capture service drives it. Frames keep the sensor's full bit
 * depth (8-bit values in a Uint8Array, anything deeper in a Uint16Array); 8-bit display frames are made from
 * them only for the live view.
 */
import type { CaptureMode, CaptureSettings, CaptureSourceStatus, Objective, StagePosition } from '../../../shared/contract';

export interface FrameMeta {
  sourceId: string;
  sourceLabel: string;
  exposureMs: number | null;
  gain: number | null;
  objective: Objective | null;
  pixelSizeUm: number | null;
  stage: StagePosition | null;
  imaging: 'bright-field' | 'hologram' | 'camera';
  /** Hologram mode: the optics a reconstruction needs. */
  hologram?: { wavelengthNm: number; pixelSizeUm: number; refractiveIndex: number; zUm: number };
}

export interface Frame {
  /** Increments by one per frame the source produced; gaps mean frames nobody took. */
  seq: number;
  /** Wall clock (ms since the epoch) when the frame was exposed; the live view's latency is measured from it. */
  capturedAtMs: number;
  widthPx: number;
  heightPx: number;
  channels: 1 | 3;
  /** Significant bits per sample: 8, 10, 12 or 16. */
  bitDepth: number;
  /** Interleaved samples, row-major. */
  data: Uint8Array | Uint16Array;
  meta: FrameMeta;
}

export type FrameListener = (frame: Frame) => void;

export interface SourceState {
  status: CaptureSourceStatus;
  message: string | null;
}

export interface CameraSource {
  readonly id: string;
  readonly label: string;
  readonly mode: CaptureMode;
  state(): SourceState;
  start(): Promise<void>;
  stop(): Promise<void>;
  onFrame(listener: FrameListener): () => void;
  /** Sources without controls (ffmpeg devices) answer null. */
  settings(): CaptureSettings | null;
  configure?(patch: Partial<CaptureSettings>): CaptureSettings;
  stage?(): StagePosition;
  moveStage?(to: Partial<StagePosition>): StagePosition;
  objectives?(): Objective[];
}
