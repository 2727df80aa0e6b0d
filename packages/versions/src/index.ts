export type { PreRelease, Version } from './types.ts';
export { InvalidVersion, type InvalidVersionRule } from './invalid-version.ts';
export { parseVersion } from './parse.ts';
export { compareForFeed, compareVersions } from './compare.ts';
export { branchOf, parseDevBranch } from './branch.ts';
export { updateFields, type UpdateFields } from './update-fields.ts';
export { isVersionConstraint } from './constraint.ts';
export { composerIdentity, composerVersion, inComposerRepository, type ComposerVersion } from './composer.ts';
export { composerConstraintMatcher, translateLegacyConstraint, type VersionMatcher } from './composer-constraint.ts';
