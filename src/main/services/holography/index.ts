/** Holographic reconstruction: hologram optics on captures, simulated holograms, reconstruction jobs. */
export { createHolographyService, DEFAULT_HOLOGRAPHY_MODEL, JOB_KIND, type HolographyDeps, type HolographyService } from './service';
export { hologramParamsOf } from './params';
