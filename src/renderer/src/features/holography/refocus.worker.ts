/**
 * Refocusing off the UI thread: the displayed field is propagated by Δz with the same band-limited angular
 * spectrum the reconstruction used (src/shared/optics), and amplitude and phase come back as float32 planes.
 */
import { propagate, type ComplexField } from '../../../../shared/optics';

export interface RefocusRequest {
  id: number;
  field: { width: number; height: number; re: Float64Array; im: Float64Array };
  wavelengthNm: number;
  pixelSizeUm: number;
  refractiveIndex: number;
  dzUm: number;
}
export interface RefocusReply {
  id: number;
  amplitude: Float32Array;
  phaseRad: Float32Array;
  ms: number;
}

interface WorkerScope {
  onmessage: ((event: MessageEvent<RefocusRequest>) => void) | null;
  postMessage(message: RefocusReply, transfer: Transferable[]): void;
}
const scope = self as unknown as WorkerScope;

scope.onmessage = (event) => {
  const started = performance.now();
  const { id, field, dzUm, wavelengthNm, pixelSizeUm, refractiveIndex } = event.data;
  const moved: ComplexField = dzUm === 0 ? field : propagate(field, { wavelengthNm, pixelSizeUm, refractiveIndex, zUm: dzUm, padding: 'mean' });
  const n = moved.width * moved.height;
  const amplitude = new Float32Array(n);
  const phaseRad = new Float32Array(n);
  for (let i = 0; i < n; i++) {
    amplitude[i] = Math.hypot(moved.re[i], moved.im[i]);
    phaseRad[i] = Math.atan2(moved.im[i], moved.re[i]);
  }
  scope.postMessage({ id, amplitude, phaseRad, ms: performance.now() - started }, [amplitude.buffer, phaseRad.buffer]);
};
