export {
  isProjectFile,
  isProjectFolder,
  isZip,
  PROJECT_LIMITS,
  type ProjectFiles,
  type ProjectLimits,
  readProjectFolder,
  readProjectZip,
} from './files.js';
export {
  parseReports,
  type ReportDefinition,
  type ReportPage,
  type ReportVisual,
  type VisualField,
} from './pbir.js';
export { type ParsedProject, parsePbipProject } from './project.js';
export { parseTmdl, type TmdlColumn, type TmdlMeasure, type TmdlTable } from './tmdl.js';
