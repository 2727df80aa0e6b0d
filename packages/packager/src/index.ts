export { archives, type Archives } from './archives.ts';
export { MAX_NOTES_CHARS, TRUNCATED_MARK, type TagAnnotation } from './annotation.ts';
export { checkout, type CheckoutOptions } from './checkout.ts';
export { digestingStream, type Digests } from './digest.ts';
export { SourceRefused } from './errors.ts';
export {
  coreCompatibility,
  infoFormat,
  injectInfo,
  injectInfoIni,
  injectInfoYml,
  type InfoFormat,
  type InfoStamp,
} from './info.ts';
export type { Checkout, GitOptions, ProjectType, Release, SourceLimits, TreeEntry } from './types.ts';
export { checkGitUrl } from './source.ts';
export { pinGitHost, type PinnedHost } from './git-host.ts';
export { GitFetchFailed, GitFetchRefused } from './git-failures.ts';
export { GitFailed } from './git.ts';
export { enforceCacheBudget, markUsed, type Eviction } from './cache-budget.ts';
export { lazily } from './archives.ts';
export { tarGz } from './tar.ts';
export { zip } from './zip.ts';
export type { ArchivePlan } from './layout.ts';
export { listDirectory, planDirectory } from './directory.ts';
export { sniffArchive, unpackTarGz, unpackZip, type ArchiveKind, type UnpackOptions } from './unpack.ts';
export { readTreeFile } from './read-tree-file.ts';
export { composerJsonRequire, composerMetadata, type ComposerMetadata } from './composer-metadata.ts';
export { zipBuffer } from './zip-buffer.ts';
export { ComponentZip } from './zip-reuse.ts';
export { listTarGz, type TarListing } from './tar-listing.ts';
export { SiteTree, type TreeSource } from './site-tree.ts';
export { spawnWithoutHelper } from './spawner.ts';
