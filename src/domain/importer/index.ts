/**
 * `load-csv`: users' CSV files into the embedded DuckDB warehouse through a YAML mapping, with two-phase
 * validation (nothing is written when a row is bad) and data-quality flags. See `docs/loading-data.md`.
 */
export type { CellValue, Scalar } from './cells.js';
export { type CsvOptions, type CsvRecord, CsvStreamParser, parseCsv, parseCsvStream } from './csv.js';
export { CsvFileError, LoadValidationError, type RowError } from './errors.js';
export {
  type DimensionSummary,
  declaredUnits,
  dryRunSummary,
  fileSource,
  type LoadCsvOptions,
  type LoadSummary,
  loadCsv,
  prepareCsvLoad,
  writePreparedLoad,
} from './load.js';
export {
  type ColumnSource,
  type CsvDialect,
  type Mapping,
  MappingError,
  type MappingIssue,
  type MappingOptions,
  parseMapping,
  type RowFilter,
  readMappingFile,
  type UnpivotEntry,
  validateMapping,
} from './mapping.js';
export {
  type CsvSource,
  type LoadProgress,
  type PreparedLoad,
  type PreparedTable,
  type PrepareStreamOptions,
  prepareLoad,
  prepareLoadStream,
} from './prepare.js';
export { QUALITY_FLAGS, type QualityFlag } from './quality.js';
export {
  listRegisteredMappings,
  MAPPING_NAME,
  type RegisteredMapping,
  readRegisteredMapping,
} from './registry.js';
export { LOADABLE_TABLE_NAMES, LOADABLE_TABLES, type LoadableTableName } from './tables.js';
export {
  BOE,
  CUBIC_METRES_PER_UNIT,
  conversionFactor,
  type UnitClash,
  UnitClashError,
  type UnitConversion,
  VOLUME_UNITS,
  type VolumeUnit,
} from './units.js';
export { compileDateFormat, parseNumber } from './values.js';
