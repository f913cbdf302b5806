export { openCatalog, migrate, schemaVersion, type Db } from './db';
export { SCHEMA_VERSION, MIGRATIONS } from './migrations';
export { listSpecimens, getSpecimen, createSpecimen, updateSpecimen, deleteSpecimen } from './specimens';
export { listSessions, getSession, createSession, updateSession, deleteSession } from './sessions';
export {
  listCaptures,
  getCapture,
  insertCapture,
  insertDerivative,
  type NewDerivative,
  setCaptureTags,
  deleteCapture,
  referencedFiles,
  libraryUrl,
  type NewCapture,
} from './captures';
export { search, toFtsQuery } from './search';
export { normaliseTags } from './tags';
export { listAnnotations, createAnnotation, updateAnnotation, deleteAnnotation } from './annotations';
