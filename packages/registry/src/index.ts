export type { Actor, Registry } from './context.ts';
export { DomainError, rateLimited, unauthorized } from './errors.ts';
export {
  authenticate,
  createUser,
  ensureAdmin,
  newToken,
  setUserDisabled,
  ADMIN_NAME,
  type UserView,
} from './users.ts';
export {
  addMaintainer,
  createProject,
  getProject,
  MACHINE_NAME,
  removeMaintainer,
  type MaintainersView,
} from './projects.ts';
export {
  can,
  canManage,
  canOwn,
  canRelease,
  requireAccess,
  requireAdmin,
  roleOf,
  type ProjectAction,
} from './permissions.ts';
export { createToken, listTokens, revokeToken, TOKEN_SCOPES, type NewToken, type TokenView } from './tokens.ts';
export { deleteProject, getReservedNames, setReservedNames, transferProject } from './admin.ts';
export { approveProject, listAwaitingApproval, type AwaitingProject } from './approval.ts';
export {
  getRelease,
  getReleaseFailure,
  requestRelease,
  retryRelease,
  RELEASE_TYPES,
  type ReleaseType,
} from './releases.ts';
export { buildBranch, registerBranch, type DevBuildRequest } from './dev-releases.ts';
export { buildDevSnapshot } from './dev-build.ts';
export { buildRelease, BuildRefused } from './build.ts';
export { Postponed, runAttempt, type AttemptOptions, type BuildOutcome, type JobType } from './attempt.ts';
export { findDownload, type Download } from './downloads.ts';
export { reconcile } from './reconcile.ts';
export { houseKeep } from './housekeeping.ts';
export { sweepOrphans } from './sweeper.ts';
export { unreachable, type Dependency } from './health.ts';
export type { DistributionView, FileView, ProjectView, ReleaseNotesView, ReleaseView } from './views.ts';
export { connectRegistry, type Connected } from './connect.ts';
export { refuseEditedMigrations } from './migrations.ts';
export {
  feedNotFound,
  listenForFeedChanges,
  projectListFeed,
  releaseHistory,
  type FeedDocument,
} from './update-status.ts';
export { createUsageRecorder, getUsage, type UsageRecorder, type UsageWeek } from './usage/recorder.ts';
export { isoWeekLabel, isoWeekStart } from './usage/iso-week.ts';
export {
  getProjectSupport,
  setSupportedBranches,
  updateProjectSupport,
  updateReleaseSupport,
  type ProjectSupportView,
  type ReleaseSupportView,
} from './support.ts';
export {
  authenticateDelivery,
  githubSignature,
  gitlabToken,
  receivePush,
  type Authenticator,
  type HookOutcome,
  type PushEvent,
} from './webhooks.ts';
export { rotateWebhookSecret } from './projects.ts';
export { getAllowlist, getAllowlistAsAdmin, setAllowlist, type AllowlistView } from './distribution/allowlist.ts';
export { listUsedBy, type UsedByView } from './distribution/used-by.ts';
export { buildDistributionRelease } from './distribution/job.ts';
export { retryDistribution } from './distribution/retry.ts';
export {
  canMaintain,
  homePage,
  listenForPageChanges,
  projectPage,
  releasePage,
  releasesPage,
  RELEASES_PAGE_SIZE,
  searchPage,
  SEARCH_PAGE_SIZE,
  type BranchSummary,
  type BundledComponent,
  type HomePageData,
  type PageProject,
  type PageRelease,
  type ProjectPageData,
  type ReleasePageData,
  type ReleasesPageData,
  type UsageByMajor,
} from './pages.ts';
export { summaryOf } from './readme.ts';
export {
  issueSignInLink,
  sessionActor,
  signInWithLink,
  signInWithToken,
  signOut,
  signOutEverywhere,
  type NewSession,
  type SessionActor,
} from './sessions.ts';
export {
  createOffering,
  deleteOffering,
  getOffering,
  listOfferings,
  offeringVisits,
  OFFERING_KINDS,
  updateOffering,
  visitOffering,
  type OfferingInput,
  type OfferingView,
  type OfferingVisits,
} from './offerings.ts';
export { recordProjectChange, recordReleaseChange, type ProjectChangeType, type ReleaseChangeType } from './changes.ts';
export {
  listKeys,
  readChanges,
  readSnapshot,
  SIGNED_METADATA_TTL_MS,
  type ChangesPage,
  type Snapshot,
} from './change-feed.ts';
export { eventText, type ChangeEvent } from './change-event.ts';
export { loadSigning, type Signing } from './signing.ts';
export { allReleasesAtom, projectReleasesAtom } from './atom-feeds.ts';
export {
  composerCacheKey,
  composerPackage,
  composerRoot,
  composerRepositoryUrl,
  parseP2Name,
  COMPOSER_JSON,
} from './composer.ts';
export { composerSearch, type ComposerSearchAnswer, type ComposerSearchResult } from './composer-search.ts';
export {
  composerAdvisories,
  getAdvisory,
  listAdvisories,
  osvAdvisory,
  osvArchive,
  publishAdvisory,
  updateAdvisory,
  type AdvisoryInput,
  type AdvisoryView,
} from './advisories.ts';
export {
  getComposerInstalls,
  recordComposerInstalls,
  type ComposerInstall,
  type InstallsWeek,
} from './usage/composer-installs.ts';
