export type {
  MakeDownload,
  MakeFile,
  MakeLibrary,
  MakePatch,
  MakeProject,
  Origin,
  Problem,
  ProjectType,
} from './types.ts';
export { MakeFileInvalid, sortProblems } from './errors.ts';
export {
  MAX_INCLUDE_DEPTH,
  parseMakeFile,
  parseMakeText,
  resolveInclude,
  type ParsedMakeFile,
  type ReadTreeFile,
} from './load.ts';
export { checkPolicy, isCore, isExact, type PolicyOptions } from './policy.ts';
