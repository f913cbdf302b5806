export { createViewerService, relPathOf, MAX_DIFFERENCE_PX, type ViewerService, type ViewerServiceDeps } from './service';
export { float32TiffHeader } from './float-tiff';
