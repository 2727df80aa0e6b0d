export type { FeedFile, FeedProject, FeedRelease, FeedSelector } from './types.ts';
export { parseSelector, selectReleases } from './selector.ts';
export { renderNotFound, renderReleaseHistory } from './release-history.ts';
export { renderProjectList, type ProjectListEntry } from './project-list.ts';
export { renderAtom, ATOM_NAMESPACE, type AtomFeed, type AtomRelease } from './atom.ts';
