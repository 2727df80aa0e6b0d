import type { Version } from './types.ts';

export interface UpdateFields {
  version_major?: string;
  version_minor?: string;
  version_patch?: string;
  version_extra?: string;
}

/**
 * The `version_*` elements of an update-XML release, each present only when
 * it has a value (0 is a value). Legacy versions have no minor: Drupal 7's
 * Update module reads their second number from `version_patch`.
 */
export function updateFields(v: Version): UpdateFields {
  const fields: UpdateFields = { version_major: String(v.major) };
  if (v.minor !== null) fields.version_minor = String(v.minor);
  if (v.patch !== null) fields.version_patch = String(v.patch);
  if (v.extra !== null) fields.version_extra = v.extra;
  return fields;
}
