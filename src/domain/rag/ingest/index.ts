export { type ChunkOptions, chunkDocument, chunkHeader } from './chunk.js';
export {
  type DashboardDescription,
  DashboardDescriptionSchema,
  DashboardMeasureSchema,
  DashboardPageSchema,
  DashboardVisualSchema,
  parseDashboard,
} from './dashboard.js';
export {
  detectEntityCodes,
  ENTITY_CODE_PATTERNS,
  type EntityCodePattern,
  type EntityCodes,
} from './entities.js';
export { IngestError, type IngestFailure } from './errors.js';
export { documentHash, sha256Hex } from './hash.js';
export { guessLanguage, type LoadDocumentInput, loadDocument, loadFile, SOURCE_EXTENSIONS } from './load.js';
export { DocumentMetadataSchema } from './metadata.js';
export { countTokens, splitByTokens } from './tokens.js';
export type {
  Block,
  BlockKind,
  Chunk,
  DocFormat,
  DocType,
  LineSpan,
  LoadedDocument,
  PageSpan,
  Section,
  SourceLine,
  SourceSpan,
} from './types.js';
export { isPageSpan } from './types.js';
export { type WalkOptions, walkSources } from './walk.js';
