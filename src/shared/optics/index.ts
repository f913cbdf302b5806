/**
 * Holography physics for Lucida (pure TypeScript, no platform dependencies).
 * See the individual modules for conventions and references.
 */

export type { FloatArray } from './fft';
export {
  fft,
  ifft,
  fft2,
  ifft2,
  fftshift2,
  ifftshift2,
  circshift2,
  fftFrequencyIndex,
  isPowerOfTwo,
  nextPowerOfTwo,
  clearFftCache,
  naiveDft,
} from './fft';

export type { ComplexField } from './field';
export {
  createField,
  cloneField,
  fieldFromAmplitudePhase,
  amplitudeOf,
  intensityOf,
  phaseOf,
  fieldEnergy,
  wrapPhase,
  embedField,
  cropField,
  cropPlane,
} from './field';

export type { Rng } from './prng';
export { createRng, poisson, logGamma } from './prng';

export type {
  PaddingMode,
  OpticalParams,
  PropagationParams,
  PaddedGrid,
  TransferFunction,
  Propagator,
  BackPropagationParams,
} from './propagation';
export {
  paddedGrid,
  bandLimitPerUm,
  transferFunction,
  borderMean,
  padField,
  applyTransfer,
  propagate,
  createPropagator,
  hologramToField,
  backPropagateHologram,
  spectrumOf,
} from './propagation';

export { fresnelIntegrals, fresnelRectAperture, gaussianBeam } from './analytic';

export type { UnwrapOptions } from './unwrap';
export { unwrapPhase, phaseUnreliability } from './unwrap';

export type {
  CellSpec,
  ObjectSimulationParams,
  SimulatedObject,
  NoiseParams,
  HologramSimulationParams,
} from './simulate';
export { randomCells, renderCells, simulateObject, simulateHologram, simulateMultiHeight, addNoise } from './simulate';

export type { SmearKind, SmearObjectParams, SmearObject, SmearRecordingParams, SmearRecording } from './smear';
export {
  SMEAR_TRAINING_OPTICS,
  simulateSmearObject,
  smoothNoise,
  gaussianBlurPeriodic,
  poissonGaussianNoise,
  recordSmearHologram,
  recordSmearStack,
} from './smear';

export type { FocusCriterion, AutofocusParams, FocusPoint, AutofocusResult } from './autofocus';
export { tamuraCoefficient, focusScore, createFocusScorer, autofocus } from './autofocus';

export type { RegistrationOptions, RegistrationResult } from './registration';
export { shiftField, shiftPlane, phaseCorrelate } from './registration';

export type { MultiHeightParams, MultiHeightResult } from './multiheight';
export { registerHeights, multiHeightRetrieve } from './multiheight';

export type { RegionOptions, SsimOptions } from './metrics';
export { globalPhaseOffset, rotatePhase, phaseRmse, ssim, amplitudeSsim } from './metrics';
