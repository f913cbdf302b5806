/**
 * The single contract between the renderer and the main side. Every call and every event crosses a process
 * (or network) boundary through one of the entries below; both hosts validate payloads with these schemas and
 * the preload bridge is generated from the same table, so adding an entry here is the only way to add a call.
 */
import { z } from 'zod';

// ---------- shared pieces ----------
const id = z.number().int().positive();
const optionalText = (max: number) => z.string().trim().max(max).optional();

export const MODALITIES = ['bright-field', 'smartphone', 'hologram'] as const;
export const modalitySchema = z.enum(MODALITIES);
export type Modality = z.infer<typeof modalitySchema>;

export const DERIVATIVE_KINDS = ['enhanced', 'amplitude', 'phase', 'interpolated', 'other'] as const;

// ---------- catalog rows as they travel ----------
export const specimenSchema = z.object({
  id,
  accessionId: z.string(),
  tissue: z.string().nullable(),
  stain: z.string().nullable(),
  preparation: z.string().nullable(),
  notes: z.string().nullable(),
  tags: z.array(z.string()),
  sessionCount: z.number().int(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Specimen = z.infer<typeof specimenSchema>;

export const specimenInputSchema = z.object({
  accessionId: z
    .string()
    .trim()
    .min(1, 'An accession id is required.')
    .max(64, 'An accession id is at most 64 characters.')
    .regex(/^[\p{L}\p{N}][\p{L}\p{N} ._\-/#]*$/u, 'Use letters, digits, spaces and . _ - / # in an accession id.'),
  tissue: optionalText(200),
  stain: optionalText(200),
  preparation: optionalText(200),
  notes: optionalText(10_000),
  tags: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
});
export type SpecimenInput = z.infer<typeof specimenInputSchema>;

export const sessionSchema = z.object({
  id,
  specimenId: id.nullable(),
  specimenAccessionId: z.string().nullable(),
  title: z.string(),
  date: z.string(),
  operator: z.string().nullable(),
  microscope: z.string().nullable(),
  objectiveMagnification: z.number().nullable(),
  numericalAperture: z.number().nullable(),
  camera: z.string().nullable(),
  pixelSizeUm: z.number().nullable(),
  modality: modalitySchema,
  notes: z.string().nullable(),
  tags: z.array(z.string()),
  captureCount: z.number().int(),
  createdAt: z.string(),
});
export type Session = z.infer<typeof sessionSchema>;

export const sessionInputSchema = z.object({
  specimenId: id.nullable().optional(),
  title: z.string().trim().min(1, 'A session needs a title.').max(200),
  date: z
    .string()
    .regex(/^\d{4}-\d{2}-\d{2}$/, 'Give the date as YYYY-MM-DD.')
    .refine((s) => !Number.isNaN(Date.parse(s)), 'That date does not exist.'),
  operator: optionalText(200),
  microscope: optionalText(200),
  objectiveMagnification: z.number().positive('Objective magnification must be positive.').max(500).optional(),
  numericalAperture: z
    .number()
    .positive('Numerical aperture must be positive.')
    .max(1.7, 'A numerical aperture above 1.7 is not physical for a microscope objective.')
    .optional(),
  camera: optionalText(200),
  pixelSizeUm: z.number().positive('Pixel size must be positive.').max(1000).optional(),
  modality: modalitySchema,
  notes: optionalText(10_000),
  tags: z.array(z.string().trim().min(1).max(64)).max(50).optional(),
});
export type SessionInput = z.infer<typeof sessionInputSchema>;

export const captureSchema = z.object({
  id,
  sessionId: id,
  specimenId: id.nullable(),
  originalName: z.string(),
  format: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  bitDepth: z.number().int(),
  channels: z.number().int(),
  pixelSizeUm: z.number().nullable(),
  capturedAt: z.string(),
  fileUrl: z.string(),
  thumbUrl: z.string(),
  sha256: z.string(),
  byteSize: z.number().int(),
  metadata: z.record(z.string(), z.unknown()),
  tags: z.array(z.string()),
});
export type Capture = z.infer<typeof captureSchema>;

export const provenanceSchema = z.object({
  modelId: z.string(),
  modelVersion: z.string(),
  weightsSha256: z.string(),
  executionProvider: z.string(),
  tileSize: z.number().int().nullable(),
  tileHalo: z.number().int().nullable(),
  durationMs: z.number().nullable(),
});
export type Provenance = z.infer<typeof provenanceSchema>;

export const derivativeSchema = z.object({
  id,
  captureId: id,
  kind: z.enum(DERIVATIVE_KINDS),
  fileUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  dtype: z.string(),
  channels: z.number().int(),
  pixelSizeUm: z.number().nullable(),
  provenance: provenanceSchema.nullable(),
  createdAt: z.string(),
});
export type Derivative = z.infer<typeof derivativeSchema>;

export const searchHitSchema = z.object({
  kind: z.enum(['specimen', 'session', 'capture']),
  id,
  title: z.string(),
  snippet: z.string(),
  sessionId: id.nullable(),
});
export type SearchHit = z.infer<typeof searchHitSchema>;

export const importSourceSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('path'), path: z.string().min(1) }),
  z.object({ kind: z.literal('upload'), uploadId: z.string().regex(/^[a-f0-9-]{36}$/, 'Unknown upload.'), name: z.string().min(1).max(255) }),
]);
export type ImportSource = z.infer<typeof importSourceSchema>;

export const jobSchema = z.object({ jobId: z.string() });

export const importFailureSchema = z.object({ name: z.string(), message: z.string() });

// Annotations live in micrometres from the capture's top-left corner, so they line up on any derivative
// (a 2× enhanced image shows them in the same place) and survive re-tiling.
const pointUmSchema = z.object({ xUm: z.number().finite(), yUm: z.number().finite() });
export const annotationGeometrySchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('point'), at: pointUmSchema }),
  z.object({
    kind: z.literal('rectangle'),
    at: pointUmSchema,
    widthUm: z.number().finite().positive('A rectangle needs a width.'),
    heightUm: z.number().finite().positive('A rectangle needs a height.'),
  }),
  z.object({ kind: z.literal('polygon'), points: z.array(pointUmSchema).min(3, 'A polygon needs at least 3 points.').max(10_000) }),
  z.object({ kind: z.literal('text'), at: pointUmSchema }),
]);
export type AnnotationGeometry = z.infer<typeof annotationGeometrySchema>;

export const annotationSchema = z.object({
  id,
  captureId: id,
  geometry: annotationGeometrySchema,
  text: z.string().nullable(),
  author: z.string().nullable(),
  createdAt: z.string(),
  updatedAt: z.string(),
});
export type Annotation = z.infer<typeof annotationSchema>;

export const annotationInputSchema = z
  .object({ captureId: id, geometry: annotationGeometrySchema, text: optionalText(2000), author: optionalText(200) })
  .refine((a) => a.geometry.kind !== 'text' || (a.text ?? '').length > 0, { message: 'A text annotation needs its text.', path: ['text'] });
export type AnnotationInput = z.infer<typeof annotationInputSchema>;

export const modelSummarySchema = z.object({
  id: z.string(),
  version: z.string(),
  task: z.string(),
  sha256: z.string(),
  scale: z.number(),
  sizeBytes: z.number().int(),
  card: z.string(),
  metrics: z.unknown(),
  manifest: z.record(z.string(), z.unknown()),
});
export type ModelSummary = z.infer<typeof modelSummarySchema>;

/** A model's GPU check: every execution provider tried on its test tensor, and GPU-vs-CPU parity. */
export const gpuCheckReportSchema = z.object({
  modelId: z.string(),
  modelVersion: z.string(),
  providers: z.array(
    z.object({
      provider: z.string(),
      status: z.enum(['active', 'available', 'skipped', 'failed']),
      reason: z.string().nullable(),
      maxAbsDiffVsExpected: z.number().nullable(),
      runMs: z.number().nullable(),
    }),
  ),
  parity: z.array(z.object({ provider: z.string(), maxAbsDiffVsCpu: z.number().nullable(), tolerance: z.number(), pass: z.boolean() })),
});
export type GpuCheckReport = z.infer<typeof gpuCheckReportSchema>;
const enhanceOptions = {
  /** Omitted = the bundled model of the session's modality (bright-field → super-resolution, smartphone → restoration). */
  modelId: z.string().min(1).max(64).optional(),
  /** Run on this execution provider only; omitted = the first rung of the ladder that proves itself. */
  provider: z.enum(['cuda', 'dml', 'coreml', 'webgpu', 'cpu']).optional(),
};

// ---------- the viewer ----------
export const COLORMAP_NAMES = ['grey', 'cyclic', 'diverging'] as const;
export const VIEWER_LAYER_ROLES = ['raw', 'enhanced', 'interpolated', 'amplitude', 'phase', 'difference', 'other'] as const;
export type ViewerLayerRole = (typeof VIEWER_LAYER_ROLES)[number];

export const displayRequestSchema = z.object({
  window: z.tuple([z.number().finite(), z.number().finite()]).optional(),
  gamma: z.number().positive('Gamma must be above 0.').max(10, 'Gamma is at most 10.').optional(),
  colormap: z.enum(COLORMAP_NAMES).optional(),
});
export type DisplayRequest = z.infer<typeof displayRequestSchema>;

export const displaySettingsSchema = z.object({
  window: z.tuple([z.number(), z.number()]),
  gamma: z.number(),
  colormap: z.enum(COLORMAP_NAMES),
});
export type DisplaySettings = z.infer<typeof displaySettingsSchema>;

/** One image the viewer can put in a pane: the capture itself or one of its derivatives. */
export const viewerLayerSchema = z.object({
  /** `raw`, or `d<derivative id>`. */
  key: z.string(),
  role: z.enum(VIEWER_LAYER_ROLES),
  derivativeId: id.nullable(),
  label: z.string(),
  widthPx: z.number().int(),
  heightPx: z.number().int(),
  /** The layer's own pixel size; null when the session does not know it (the viewer then works in capture widths). */
  pixelSizeUm: z.number().nullable(),
  /** Units of the raw values read out: counts, rad, a.u., Δ (normalised). */
  valueUnit: z.string(),
  /** Which model made the pixels (enhanced, amplitude, phase, and the enhanced side of a difference). */
  provenance: provenanceSchema.nullable(),
  /** For a difference map: the derivative ids it subtracts (enhanced − interpolated). */
  differenceOf: z.object({ enhancedId: id, interpolatedId: id }).nullable(),
});
export type ViewerLayer = z.infer<typeof viewerLayerSchema>;

export const pyramidInfoSchema = z.object({
  dziUrl: z.string(),
  width: z.number().int(),
  height: z.number().int(),
  tileSize: z.number().int(),
  overlap: z.number().int(),
  format: z.enum(['jpeg', 'png']),
  levels: z.number().int(),
  sampleFormat: z.enum(['uchar', 'ushort', 'float']),
  bands: z.number().int(),
  /** Null until the image statistics are known (an auto window on 16-bit or float data). */
  display: displaySettingsSchema.nullable(),
});
export type PyramidInfo = z.infer<typeof pyramidInfoSchema>;

const layerRef = { captureId: id, derivativeId: id.nullable().optional() };

// ---------- holography ----------
// Impossible optics are refused at the door (invalid-input), before anything is read or written.
export const HOLOGRAPHY_METHODS = ['network', 'backprop', 'multi-height'] as const;
export type HolographyMethod = (typeof HOLOGRAPHY_METHODS)[number];
export const EXECUTION_PROVIDERS = ['cuda', 'dml', 'coreml', 'webgpu', 'cpu'] as const;
/** Sample-to-sensor distances Lucida accepts: in-line holography works from tens of µm to a few cm. */
export const HOLOGRAPHY_Z_LIMITS_UM = { min: 1, max: 50_000 } as const;

const wavelengthNmSchema = z
  .number()
  .finite()
  .positive('The wavelength must be positive (in nm).')
  .min(200, 'A wavelength below 200 nm is not visible-light holography.')
  .max(2000, 'A wavelength above 2000 nm is not a microscope light source.');
const holoPixelSizeUmSchema = z.number().finite().positive('The pixel size must be positive (in µm).').max(100, 'A pixel larger than 100 µm is not a camera pixel.');
const refractiveIndexSchema = z
  .number()
  .finite()
  .min(1, 'The refractive index of the medium is at least 1 (vacuum).')
  .max(2.5, 'A refractive index above 2.5 is not an immersion medium.');
const zUmSchema = z
  .number()
  .finite()
  .min(HOLOGRAPHY_Z_LIMITS_UM.min, `The sample-to-sensor distance must be at least ${HOLOGRAPHY_Z_LIMITS_UM.min} µm.`)
  .max(HOLOGRAPHY_Z_LIMITS_UM.max, `The sample-to-sensor distance must be at most ${HOLOGRAPHY_Z_LIMITS_UM.max} µm.`);
const fieldIdSchema = z.string().trim().min(1).max(64);

/** What a hologram capture knows about its optics; null = not known (ask, or give it in the call). */
export const hologramParamsSchema = z.object({
  wavelengthNm: z.number().nullable(),
  pixelSizeUm: z.number().nullable(),
  refractiveIndex: z.number().nullable(),
  zUm: z.number().nullable(),
  /** Captures of one field of view at several heights share this id (multi-height reconstruction). */
  fieldId: z.string().nullable(),
});
export type HologramParams = z.infer<typeof hologramParamsSchema>;

export const hologramInfoSchema = z.object({
  captureId: id,
  params: hologramParamsSchema,
  /** Captures of the same field at known heights, this one included, sorted by z (multi-height needs ≥ 2). */
  stack: z.array(z.object({ captureId: id, zUm: z.number() })),
  methods: z.array(z.object({ method: z.enum(HOLOGRAPHY_METHODS), available: z.boolean(), reason: z.string().nullable() })),
});
export type HologramInfo = z.infer<typeof hologramInfoSchema>;

export const focusPointSchema = z.object({ zUm: z.number(), score: z.number() });
export type FocusPoint = z.infer<typeof focusPointSchema>;

export const holoReconstructionSchema = z.object({
  /** One reconstruction = one amplitude + one phase derivative made together. */
  id: z.string(),
  captureId: id,
  method: z.enum(HOLOGRAPHY_METHODS),
  zUm: z.number(),
  autofocus: z.boolean(),
  /** The autofocus criterion against z (sorted by z); null when z was given. */
  focusCurve: z.array(focusPointSchema).nullable(),
  wavelengthNm: z.number(),
  pixelSizeUm: z.number(),
  refractiveIndex: z.number(),
  /** Multi-height: the heights used, in the order of `stackCaptureIds`. */
  heightsUm: z.array(z.number()).nullable(),
  stackCaptureIds: z.array(id).nullable(),
  amplitude: derivativeSchema,
  phase: derivativeSchema,
  durationMs: z.number(),
  createdAt: z.string(),
});
export type HoloReconstruction = z.infer<typeof holoReconstructionSchema>;

export const holoReconstructInputSchema = z
  .object({
    captureId: id,
    method: z.enum(HOLOGRAPHY_METHODS),
    zUm: z.union([zUmSchema, z.literal('auto')]),
    /** Autofocus search range; default: ±50 % around the capture's recorded z, or the whole accepted range. */
    zRangeUm: z.tuple([zUmSchema, zUmSchema]).optional(),
    /** Omitted = the capture's recorded value (holography.setParams); one of the two must be known. */
    wavelengthNm: wavelengthNmSchema.optional(),
    pixelSizeUm: holoPixelSizeUmSchema.optional(),
    refractiveIndex: refractiveIndexSchema.optional(),
    provider: z.enum(EXECUTION_PROVIDERS).optional(),
    /** Multi-height iterations (default 10). */
    iterations: z.number().int().min(1).max(200).optional(),
  })
  .refine((r) => !r.zRangeUm || r.zRangeUm[0] < r.zRangeUm[1], { message: 'The autofocus range must go from a smaller to a larger z.', path: ['zRangeUm'] })
  .refine((r) => r.zUm === 'auto' || !r.zRangeUm || (r.zUm >= r.zRangeUm[0] && r.zUm <= r.zRangeUm[1]), {
    message: 'z lies outside the given z range.',
    path: ['zUm'],
  });
export type HoloReconstructInput = z.infer<typeof holoReconstructInputSchema>;

// ---------- capture (live camera, snapshots, bursts, time-lapse, tile scans) ----------
export const CAPTURE_SOURCE_KINDS = ['simulated', 'ffmpeg', 'test-pattern'] as const;
export const CAPTURE_SOURCE_STATUSES = ['stopped', 'starting', 'running', 'reconnecting', 'failed'] as const;
export type CaptureSourceStatus = (typeof CAPTURE_SOURCE_STATUSES)[number];
export const CAPTURE_BIT_DEPTHS = [8, 12, 16] as const;
export const CAPTURE_IMAGING = ['bright-field', 'hologram'] as const;
/** The browser host's binary WebSocket carrying 8-bit live display frames (see docs/adr/0006). */
export const LIVE_PATH = '/live';
/**
 * The desktop app's live channel (docs/adr/0006): the preload sends LIVE_PORT_OPEN to main, main answers on
 * LIVE_PORT_READY with a MessagePort that carries the same packed frames and `ready` acknowledgements as
 * `/live`, and the preload hands that port to the page in a window message whose data is LIVE_PORT_MESSAGE.
 */
export const LIVE_PORT_OPEN = 'live.openPort';
export const LIVE_PORT_READY = 'live.port';
export const LIVE_PORT_MESSAGE = 'lucida-live-port';

export const captureModeSchema = z.object({
  widthPx: z.number().int().min(16).max(8192),
  heightPx: z.number().int().min(16).max(8192),
  fps: z.number().positive().max(240),
  /** ffmpeg's name for the sample layout: gray, gray16le, rgb24, rgb48le (yuyv422 etc. are converted). */
  pixelFormat: z.string().max(32),
});
export type CaptureMode = z.infer<typeof captureModeSchema>;

export const captureSourceSchema = z.object({
  id: z.string(),
  kind: z.enum(CAPTURE_SOURCE_KINDS),
  label: z.string(),
  modes: z.array(captureModeSchema),
  available: z.boolean(),
  /** Why it cannot be used (ffmpeg missing, device busy…); null when available. */
  reason: z.string().nullable(),
});
export type CaptureSource = z.infer<typeof captureSourceSchema>;

export const objectiveSchema = z.object({
  id: z.string(),
  name: z.string(),
  magnification: z.number(),
  numericalAperture: z.number(),
});
export type Objective = z.infer<typeof objectiveSchema>;

export const stagePositionSchema = z.object({ xUm: z.number(), yUm: z.number(), zUm: z.number() });
export type StagePosition = z.infer<typeof stagePositionSchema>;

export const captureSettingsSchema = z.object({
  exposureMs: z.number(),
  gain: z.number(),
  bitDepth: z.union([z.literal(8), z.literal(12), z.literal(16)]),
  objectiveId: z.string(),
  imaging: z.enum(CAPTURE_IMAGING),
});
export type CaptureSettings = z.infer<typeof captureSettingsSchema>;

export const captureStateSchema = z.object({
  sourceId: z.string().nullable(),
  sourceLabel: z.string().nullable(),
  status: z.enum(CAPTURE_SOURCE_STATUSES),
  message: z.string().nullable(),
  mode: captureModeSchema.nullable(),
  /** Null for sources Lucida cannot control (system cameras through ffmpeg). */
  settings: captureSettingsSchema.nullable(),
  stage: stagePositionSchema.nullable(),
  objectives: z.array(objectiveSchema),
  pixelSizeUm: z.number().nullable(),
  /** Frames the source produced since it started, and its measured rate over the last seconds. */
  frames: z.number().int(),
  sourceFps: z.number(),
  watch: z.object({ sessionId: id, folder: z.string() }).nullable(),
});
export type CaptureState = z.infer<typeof captureStateSchema>;

/** The JSON header in front of each live display frame (JPEG) on the live channel. */
export const liveFrameHeaderSchema = z.object({
  seq: z.number().int(),
  capturedAtMs: z.number(),
  widthPx: z.number().int(),
  heightPx: z.number().int(),
  bitDepth: z.number().int(),
  /** 64 bins over the full sensor range (all channels together). */
  histogram: z.array(z.number().int()),
  /** Fractions of samples at 0 and at the sensor's maximum (clipped). */
  clippedLow: z.number(),
  clippedHigh: z.number(),
  focusScore: z.number(),
  stage: stagePositionSchema.nullable(),
  exposureMs: z.number().nullable(),
  gain: z.number().nullable(),
  sourceFps: z.number(),
  /** Frames the source made that the host never encoded for this view (it was busy). */
  hostDropped: z.number().int(),
  /** Present on live-enhancement frames: the network output for a region of frame `seq`, with its provenance. */
  enhanced: z
    .object({
      modelId: z.string(),
      modelVersion: z.string(),
      executionProvider: z.string(),
      durationMs: z.number(),
      fps: z.number(),
      scale: z.number(),
      region: z.object({ xPx: z.number().int(), yPx: z.number().int(), widthPx: z.number().int(), heightPx: z.number().int() }),
    })
    .optional(),
});
export type LiveFrameHeader = z.infer<typeof liveFrameHeaderSchema>;

export const liveEnhanceStateSchema = z.object({
  enabled: z.boolean(),
  /** Whether this host can run networks at all (an inference engine is attached). */
  available: z.boolean(),
  reason: z.string().nullable(),
  modelId: z.string().nullable(),
  regionPx: z.number().int(),
  /** Enhanced frames per second over the last seconds, and the provider that ran the last one. */
  fps: z.number(),
  executionProvider: z.string().nullable(),
});
export type LiveEnhanceState = z.infer<typeof liveEnhanceStateSchema>;

const captureSessionInput = { sessionId: id };

// ---------- the table of calls ----------
const entry = <I extends z.ZodType, O extends z.ZodType>(input: I, output: O, doc: string) => ({ input, output, doc });

export const calls = {
  'app.info': entry(
    z.object({}),
    z.object({ version: z.string(), host: z.enum(['electron', 'browser']), libraryDir: z.string(), schemaVersion: z.number().int() }),
    'What this host is and where its library lives.',
  ),
  'specimens.list': entry(z.object({}), z.array(specimenSchema), 'All specimens, newest first.'),
  'specimens.create': entry(specimenInputSchema, specimenSchema, 'Create a specimen; the accession id must be unique.'),
  'specimens.update': entry(z.object({ id, patch: specimenInputSchema.partial() }), specimenSchema, 'Edit a specimen.'),
  'specimens.delete': entry(z.object({ id }), z.object({ deleted: z.boolean() }), 'Delete a specimen that has no sessions.'),
  'sessions.list': entry(z.object({ specimenId: id.optional() }), z.array(sessionSchema), 'Sessions, newest first, optionally of one specimen.'),
  'sessions.get': entry(z.object({ id }), sessionSchema, 'One session.'),
  'sessions.create': entry(sessionInputSchema, sessionSchema, 'Create a session.'),
  'sessions.update': entry(z.object({ id, patch: sessionInputSchema.partial() }), sessionSchema, 'Edit a session.'),
  'sessions.delete': entry(
    z.object({ id, confirmDeleteCaptures: z.boolean().optional() }),
    z.object({ deleted: z.boolean(), capturesDeleted: z.number().int() }),
    'Delete a session; one with captures needs confirmDeleteCaptures.',
  ),
  'captures.list': entry(z.object({ sessionId: id }), z.array(captureSchema), 'Captures of a session in capture order.'),
  'captures.get': entry(z.object({ id }), z.object({ capture: captureSchema, derivatives: z.array(derivativeSchema) }), 'One capture with its derivatives.'),
  'captures.import': entry(
    z.object({ sessionId: id, sources: z.array(importSourceSchema).min(1, 'Choose at least one file.').max(10_000) }),
    jobSchema,
    'Start importing files into a session; progress arrives as job events.',
  ),
  'captures.update': entry(
    z.object({ id, patch: z.object({ tags: z.array(z.string().trim().min(1).max(64)).max(50).optional() }) }),
    captureSchema,
    'Edit a capture (its tags, which search finds).',
  ),
  'captures.delete': entry(z.object({ id }), z.object({ deleted: z.boolean() }), 'Delete a capture and its derivatives.'),
  'annotations.list': entry(z.object({ captureId: id }), z.array(annotationSchema), 'Annotations of a capture, oldest first.'),
  'annotations.create': entry(annotationInputSchema, annotationSchema, 'Add an annotation (geometry in micrometres).'),
  'annotations.update': entry(
    z.object({ id, patch: z.object({ geometry: annotationGeometrySchema.optional(), text: optionalText(2000) }) }),
    annotationSchema,
    'Move, reshape or re-word an annotation.',
  ),
  'annotations.delete': entry(z.object({ id }), z.object({ deleted: z.boolean() }), 'Delete an annotation.'),
  'jobs.cancel': entry(jobSchema, z.object({ cancelled: z.boolean() }), 'Ask a running job to stop after the current item.'),
  'search.query': entry(z.object({ text: z.string().trim().min(1).max(200), limit: z.number().int().min(1).max(200).optional() }), z.array(searchHitSchema), 'Full-text search over ids, names, notes and tags.'),
  'models.list': entry(z.object({}), z.array(modelSummarySchema), 'Bundled and imported models.'),
  'models.gpuCheck': entry(
    z.object({ modelId: z.string().min(1).max(64) }),
    gpuCheckReportSchema,
    'Tries every execution provider on the model\'s test tensor (active, available, skipped with the reason, failed with the error) and compares each GPU with the CPU.',
  ),
  'models.import': entry(
    z.object({ path: z.string().min(1, 'Give the folder of the model package.').max(4096) }),
    z.object({ id: z.string() }),
    'Validates a model package folder (manifest, weights hash, shapes, test tensor) and copies it into the library\'s models/ folder.',
  ),
  'captures.enhance': entry(
    z.object({ captureId: id, ...enhanceOptions }),
    jobSchema,
    'Enhances one capture with a network; the float32 result is a derivative with its provenance. Progress arrives as job events; jobs.cancel stops it.',
  ),
  'sessions.enhanceAll': entry(
    z.object({ sessionId: id, ...enhanceOptions }),
    jobSchema,
    'Enhances every capture of a session as one job; failures are listed per capture and the rest continue; jobs.cancel stops after the current capture.',
  ),
  'viewer.layers': entry(
    z.object({ captureId: id }),
    z.object({ capture: captureSchema, layers: z.array(viewerLayerSchema) }),
    'A capture and every image the viewer can show for it (raw first), with roles, pixel sizes and provenance.',
  ),
  'viewer.pyramid': entry(
    z.object({ ...layerRef, display: displayRequestSchema.optional() }),
    pyramidInfoSchema,
    'Opens a layer as a deep-zoom pyramid (tiles under /library/tiles/, made on demand) with a window, gamma and colour map.',
  ),
  'viewer.pixel': entry(
    z.object({ ...layerRef, xPx: z.number().int().nonnegative(), yPx: z.number().int().nonnegative() }),
    z.object({ values: z.array(z.number()), unit: z.string() }),
    'Raw values (one per band, in the layer\'s own units) at a full-resolution pixel of a layer.',
  ),
  'viewer.interpolate': entry(
    z.object({ captureId: id }),
    derivativeSchema,
    'Makes (once) a bicubic ×2 interpolation of the capture, to compare against a 2× network output; not a network output.',
  ),
  'viewer.difference': entry(
    z.object({ captureId: id, derivativeId: id }),
    derivativeSchema,
    'Makes (once) the difference map of an enhanced derivative minus the bicubic ×2 raw, as float32 (normalised intensity).',
  ),
  'viewer.colormaps': entry(
    z.object({}),
    z.object({ grey: z.array(z.number().int()), cyclic: z.array(z.number().int()), diverging: z.array(z.number().int()) }),
    'The 256-entry RGB tables the tiles are coloured with, so colour bars match the tiles exactly.',
  ),
  'holography.info': entry(
    z.object({ captureId: id }),
    hologramInfoSchema,
    'A hologram capture: its optics (wavelength, pixel size, z, refractive index), its multi-height stack and which reconstruction methods can run.',
  ),
  'holography.setParams': entry(
    z.object({
      captureId: id,
      patch: z.object({
        wavelengthNm: wavelengthNmSchema.optional(),
        pixelSizeUm: holoPixelSizeUmSchema.optional(),
        refractiveIndex: refractiveIndexSchema.optional(),
        zUm: zUmSchema.nullable().optional(),
        fieldId: fieldIdSchema.nullable().optional(),
      }),
    }),
    hologramInfoSchema,
    'Records the optics of a hologram capture (null clears z or the field id).',
  ),
  'holography.simulate': entry(
    z.object({
      sessionId: id,
      sizePx: z.number().int().min(32, 'A simulated hologram is at least 32 px.').max(2048, 'A simulated hologram is at most 2048 px.'),
      /** One height = one hologram; several = a multi-height stack of one field (same field id). */
      heightsUm: z.array(zUmSchema).min(1).max(16),
      wavelengthNm: wavelengthNmSchema,
      pixelSizeUm: holoPixelSizeUmSchema,
      refractiveIndex: refractiveIndexSchema,
      seed: z.number().int().min(0).max(2 ** 31 - 1).optional(),
    }),
    z.array(captureSchema),
    'Simulates in-line holograms of random cell-like phase objects and adds them to a hologram session as 16-bit captures (tests, demos).',
  ),
  'holography.reconstruct': entry(
    holoReconstructInputSchema,
    jobSchema,
    'Starts a reconstruction (autofocus if z is auto, back-propagation, then the network or multi-height retrieval); writes float32 amplitude and phase derivatives with provenance. Progress arrives as job events; jobs.cancel stops it.',
  ),
  'holography.results': entry(
    z.object({ captureId: id }),
    z.array(holoReconstructionSchema),
    'Reconstructions of a capture, newest first, with their focus curves and amplitude/phase derivatives.',
  ),
  'capture.sources': entry(z.object({}), z.array(captureSourceSchema), 'Camera sources: the simulated microscope, system cameras found through ffmpeg, and ffmpeg\'s test pattern.'),
  'capture.state': entry(z.object({}), captureStateSchema, 'The active source, its settings, stage and rate.'),
  'capture.start': entry(
    z.object({ sourceId: z.string().min(1).max(200), mode: captureModeSchema.partial().optional() }),
    captureStateSchema,
    'Starts a source (stopping the one running); live frames then flow on the live channel.',
  ),
  'capture.stop': entry(z.object({}), captureStateSchema, 'Stops the running source.'),
  'capture.configure': entry(
    z.object({
      exposureMs: z.number().finite().min(0.01, 'Exposure is at least 0.01 ms.').max(10_000, 'Exposure is at most 10 s.').optional(),
      gain: z.number().finite().min(1, 'Gain is at least 1.').max(64, 'Gain is at most 64.').optional(),
      bitDepth: z.union([z.literal(8), z.literal(12), z.literal(16)]).optional(),
      objectiveId: z.string().min(1).max(64).optional(),
      imaging: z.enum(CAPTURE_IMAGING).optional(),
    }),
    captureStateSchema,
    'Changes exposure, gain, bit depth, objective or imaging mode of a controllable source.',
  ),
  'capture.moveStage': entry(
    z.object({
      xUm: z.number().finite().min(-1e6).max(1e6).optional(),
      yUm: z.number().finite().min(-1e6).max(1e6).optional(),
      zUm: z.number().finite().min(-1e4).max(1e4).optional(),
      relative: z.boolean().optional(),
    }),
    stagePositionSchema,
    'Moves the motorised stage (absolute, or by the given steps when relative).',
  ),
  'capture.snapshot': entry(z.object(captureSessionInput), captureSchema, 'Saves the next frame at full bit depth into the session, with its optics, exposure, gain, stage position and time.'),
  'capture.burst': entry(
    z.object({ ...captureSessionInput, frames: z.number().int().min(1).max(1000) }),
    jobSchema,
    'Saves consecutive frames into the session; progress arrives as job events.',
  ),
  'capture.timelapse': entry(
    z.object({ ...captureSessionInput, frames: z.number().int().min(1).max(10_000), intervalMs: z.number().int().min(50).max(86_400_000) }),
    jobSchema,
    'Saves one frame every interval; progress arrives as job events; jobs.cancel stops it.',
  ),
  'capture.tileScan': entry(
    z.object({
      ...captureSessionInput,
      columns: z.number().int().min(1).max(20),
      rows: z.number().int().min(1).max(20),
      overlap: z.number().min(0.05, 'Tiles need at least 5 % overlap to be stitched.').max(0.5),
    }),
    jobSchema,
    'Moves the stage over a grid, saves each field, then stitches them (phase correlation) into one more capture.',
  ),
  'capture.enhance': entry(
    z.object({
      enabled: z.boolean(),
      modelId: z.string().min(1).max(64).optional(),
      regionPx: z.number().int().min(32).max(1024).optional(),
      /** Omitted = the engine's ladder (first provider that loads); a software WebGPU can be far slower than CPU. */
      provider: z.enum(EXECUTION_PROVIDERS).optional(),
    }),
    liveEnhanceStateSchema,
    'Live enhancement: runs a model on the centre region of the newest live frame whenever the previous run is done, beside the raw view (which it never holds up).',
  ),
  'capture.autofocus': entry(
    z.object({ rangeUm: z.number().finite().min(1).max(200).optional() }),
    z.object({ zUm: z.number(), curve: z.array(focusPointSchema) }),
    'Sweeps the focus drive (±range, default 10 µm) and moves to the sharpest z by the live focus score.',
  ),
  'capture.trainingPairs': entry(
    z.object({
      ...captureSessionInput,
      lowObjectiveId: z.string().min(1).max(64),
      highObjectiveId: z.string().min(1).max(64),
      fields: z.number().int().min(1).max(50),
      patchPx: z.number().int().min(16).max(1024),
    }),
    jobSchema,
    'Takes each field with two objectives (simulated stage), registers the pair by phase correlation and exports matched patches (.npy + index.json) under the library’s exports/ folder.',
  ),
  'capture.watch': entry(
    z.object({ ...captureSessionInput, folder: z.string().min(1).max(4096).nullable() }),
    captureStateSchema,
    'Watches a folder: each new image file in it is imported into the session (null stops watching).',
  ),
} as const;

export type Calls = typeof calls;
export type CallName = keyof Calls;
export type CallInput<C extends CallName> = z.input<Calls[C]['input']>;
export type CallOutput<C extends CallName> = z.infer<Calls[C]['output']>;

// ---------- events from main to renderer ----------
export const jobProgressSchema = z.object({
  jobId: z.string(),
  kind: z.string(),
  done: z.number().int(),
  total: z.number().int(),
  current: z.string().nullable(),
  state: z.enum(['running', 'done', 'cancelled', 'failed']),
  failures: z.array(importFailureSchema),
  message: z.string().nullable(),
});
export type JobProgress = z.infer<typeof jobProgressSchema>;

export const events = {
  'job.progress': jobProgressSchema,
  'catalog.changed': z.object({ entity: z.enum(['specimen', 'session', 'capture']), id: id.nullable() }),
} as const;
export type Events = typeof events;
export type EventName = keyof Events;
export type EventPayload<E extends EventName> = z.infer<Events[E]>;

// ---------- errors and envelopes ----------
export const ERROR_CODES = [
  'invalid-input',
  'not-found',
  'conflict',
  'needs-confirmation',
  'unreadable-image',
  'forbidden',
  'unknown-call',
  'internal',
] as const;
export type ErrorCode = (typeof ERROR_CODES)[number];
export const appErrorSchema = z.object({ code: z.enum(ERROR_CODES), message: z.string() });
export type AppErrorShape = z.infer<typeof appErrorSchema>;

export type Envelope<T> = { ok: true; value: T } | { ok: false; error: AppErrorShape };

/** Turns a call name like `specimens.create` into the namespaced shape `{ specimens: { create } }`. */
type Split<S extends string> = S extends `${infer A}.${infer B}` ? [A, B] : never;
type Namespaced<R extends { [C in CallName]: unknown }> = {
  [NS in Split<CallName>[0]]: {
    [C in CallName as Split<C>[0] extends NS ? Split<C>[1] : never]: (input: CallInput<C>) => R[C];
  };
};
type EventSubscription = {
  on<E extends EventName>(event: E, listener: (payload: EventPayload<E>) => void): () => void;
};

/**
 * What `window.lucida` is in both hosts: every call answers an envelope, because errors thrown across Electron's
 * context bridge lose everything but their message and the renderer needs the error code.
 */
export type LucidaBridge = Namespaced<{ [C in CallName]: Promise<Envelope<CallOutput<C>>> }> & EventSubscription;

/** What renderer code uses: calls resolve to values and reject with `AppError`. */
export type LucidaApi = Namespaced<{ [C in CallName]: Promise<CallOutput<C>> }> & EventSubscription;

export const callNames = Object.keys(calls) as CallName[];
export const eventNames = Object.keys(events) as EventName[];
