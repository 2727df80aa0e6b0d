export { minify, expand, type ComposerVersionData } from './minify.ts';
export {
  composerPackageName,
  projectTypesOf,
  renderMetapackage,
  renderPackage,
  type ComposerProjectInput,
  type ComposerReleaseInput,
  type P2Document,
} from './package.ts';
export { ADVISORY_SOURCE, composerAdvisory, type ComposerAdvisory, type ComposerAdvisoryInput } from './advisory.ts';
export { renderOsv, type OsvAdvisoryInput } from './osv.ts';
