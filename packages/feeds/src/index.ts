export type { FeedFile, FeedProject, FeedRelease, FeedSelector } from './types.ts';
export { parseSelector, selectReleases } from './selector.ts';
export { renderNotFound, renderReleaseHistory } from './release-history.ts';
export { renderProjectList, type ProjectListEntry } from './project-list.ts';
export { minify, expand, type ComposerVersionData } from './composer/minify.ts';
export {
  composerPackageName,
  renderMetapackage,
  renderPackage,
  type ComposerProjectInput,
  type ComposerReleaseInput,
  type P2Document,
} from './composer/package.ts';
export { ADVISORY_SOURCE, composerAdvisory, type ComposerAdvisory, type ComposerAdvisoryInput } from './composer/advisory.ts';
export { renderOsv, type OsvAdvisoryInput } from './composer/osv.ts';
