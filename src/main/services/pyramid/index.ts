export {
  createPyramidService,
  OVERVIEW_MAX_PX,
  type PyramidService,
  type PyramidServiceOptions,
  type PyramidInfo,
  type PyramidStats,
  type EnsureOptions,
} from './service';
export { COLORMAPS, COLORMAP_LUTS, colormapTable, type Colormap, type DisplayRequest, type DisplaySettings } from './display';
export { TILE_SIZE_PX, TILE_OVERLAP_PX, type TileFormat } from './dzi';
export { TileCancelledError, isTileCancelled } from './scheduler';
