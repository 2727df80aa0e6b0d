import { isVersionConstraint } from '@packhouse/versions';
import { child, parseXml, type XmlNode } from './mini-xml.ts';

/**
 * What Drupal's Update module makes of a release history: the steps of
 * UpdateProcessor::parseXml() (Drupal 7's update_parse_xml() is the same) and
 * the checks of ProjectRelease::createFromArray(), which throws on a
 * malformed release. Throws where Drupal would reject the feed.
 */
export interface DrupalRelease {
  fields: Record<string, string>;
  terms: Record<string, string[]>;
}

export interface DrupalProject {
  fields: Record<string, string>;
  releases: Map<string, DrupalRelease>;
}

export function readLikeDrupal(document: string): DrupalProject {
  const project = parseXml(document);
  // parseXml(): no short_name means "not project data" and the fetch fails.
  if (!child(project, 'short_name')) throw new Error('no short_name: Drupal discards the feed');
  const fields: Record<string, string> = {};
  for (const node of project.children) fields[node.name] = node.text;
  // ExtensionVersion::createFromSupportBranch() (Package Manager) throws on any core prefix
  // but 8.x-, and on a branch not cut after a dot.
  for (const branch of fields.supported_branches?.split(',') ?? []) {
    if (!/^(?:8\.x-)?\d+\.(?:\d+\.)?$/.test(branch))
      throw new Error(`supported branch ${branch}: not a Drupal 8+ branch`);
  }

  const releases = new Map<string, DrupalRelease>();
  for (const release of child(project, 'releases')?.children ?? []) {
    const read = readRelease(release);
    releases.set(read.fields.version ?? '', read);
  }
  return { fields, releases };
}

function readRelease(release: XmlNode): DrupalRelease {
  const fields: Record<string, string> = {};
  for (const node of release.children) fields[node.name] = node.text;
  const terms: Record<string, string[]> = {};
  for (const term of child(release, 'terms')?.children ?? []) {
    const name = child(term, 'name')?.text ?? '';
    (terms[name] ??= []).push(child(term, 'value')?.text ?? '');
  }

  // ProjectRelease::validateReleaseData().
  const label = fields.version ?? '(no version)';
  if (!fields.version) throw new Error(`release ${label}: version missing or blank`);
  if (fields.status !== 'published' && fields.status !== 'unpublished')
    throw new Error(`release ${label}: status is ${fields.status}`);
  if (!fields.release_link) throw new Error(`release ${label}: release_link missing or blank`);
  for (const optional of ['date', 'download_link', 'core_compatibility'] as const) {
    if (optional in fields && fields[optional] === '') throw new Error(`release ${label}: ${optional} is blank`);
  }
  // ProjectCoreCompatibility hands it to Semver::satisfies(), which throws on a bad constraint.
  if (fields.core_compatibility !== undefined && !isVersionConstraint(fields.core_compatibility)) {
    throw new Error(`release ${label}: core_compatibility ${fields.core_compatibility} is no Composer constraint`);
  }
  // Drupal 7 update.compare.inc compares these as integers and `dev` literally.
  for (const numeric of ['version_major', 'version_minor', 'version_patch'] as const) {
    if (numeric in fields && !/^\d+$/.test(fields[numeric] ?? ''))
      throw new Error(`release ${label}: ${numeric} is not a number`);
  }
  if (!('version_major' in fields)) throw new Error(`release ${label}: version_major missing`);
  return { fields, terms };
}
