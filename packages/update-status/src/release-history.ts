import { isVersionConstraint, updateFields, type Version } from '@packhouse/versions';
import { projectTerms, projectTypeName, term } from './project-fields.ts';
import { selectVersions } from './selector.ts';
import { currentBranches, effectiveBranches, legacyMajors, releaseTypeTerms, securityCoverage } from './support.ts';
import type { FeedFile, FeedProject, FeedRelease, FeedSelector } from './types.ts';
import { DC_NAMESPACE, renderDocument, textElement, type XmlElement } from './xml.ts';

/**
 * The release history XML that Drupal's Update module polls, in
 * updates.drupal.org's element order. `releases` may be the project's whole
 * list: the selector picks and orders them (newest first).
 */
export function renderReleaseHistory(
  maintained: FeedProject,
  releases: readonly FeedRelease[],
  selector: FeedSelector,
): string {
  const project = { ...maintained, supportedBranches: effectiveBranches(maintained, releases) };
  const selected = selectVersions(selector, releases);
  return renderDocument({
    name: 'project',
    attributes: { 'xmlns:dc': DC_NAMESPACE },
    children: [
      textElement('title', project.title),
      textElement('short_name', project.name),
      textElement('dc:creator', project.creator),
      textElement('type', projectTypeName(project.type)),
      ...supportElements(project, selector),
      textElement('project_status', project.status),
      textElement('link', project.link),
      projectTerms(project.type),
      {
        name: 'releases',
        children: selected.map(({ release, version }) => releaseElement(project, release, version, selector)),
      },
    ],
  });
}

/** The error document updates.drupal.org answers for a project it does not know. */
export function renderNotFound(name: string): string {
  return renderDocument(textElement('error', `No release history was found for the requested project (${name}).`));
}

// Drupal 7 reads majors (legacy feeds); Drupal 8+ reads branches (current feed). Empty lists are
// left out: an empty `supported_branches` would read as "every branch" to PHP's strpos.
// (Only a project with no published release and no chosen branch has none at all.)
function supportElements(project: FeedProject, selector: FeedSelector): XmlElement[] {
  if (selector.kind === 'core') {
    const majors = legacyMajors(selector.core, project.supportedBranches);
    const api = textElement('api_version', selector.core);
    if (!majors) return [api];
    return [
      api,
      textElement('recommended_major', majors.recommended),
      textElement('supported_majors', majors.supported.join(',')),
      textElement('default_major', majors.default),
    ];
  }
  const branches = selector.kind === 'current' ? currentBranches(project.supportedBranches) : [];
  return branches.length > 0 ? [textElement('supported_branches', branches.join(','))] : [];
}

function releaseElement(
  project: FeedProject,
  release: FeedRelease,
  version: Version,
  selector: FeedSelector,
): XmlElement {
  // A distribution's download link is its profile-only tarball (no variant), as on updates.drupal.org.
  const tarballs = release.files.filter((file) => file.archiveType === 'tar.gz');
  const tarball = tarballs.find((file) => file.variant === undefined) ?? tarballs[0];
  const types = releaseTypeTerms(project, release, version);
  const security = securityCoverage(project, version);
  const children: XmlElement[] = [
    textElement('name', `${project.name} ${release.version}`),
    textElement('version', release.version),
    textElement('tag', release.tag),
    ...Object.entries(updateFields(version)).map(([name, value]) => textElement(name, value)),
    textElement('status', release.status),
    textElement('release_link', release.releaseLink),
  ];
  if (tarball) children.push(textElement('download_link', tarball.url));
  children.push(textElement('date', release.date));
  if (tarball) children.push(textElement('mdhash', tarball.md5), textElement('filesize', tarball.size));
  if (release.files.length > 0) children.push({ name: 'files', children: release.files.map(fileElement) });
  if (types.length > 0) children.push({ name: 'terms', children: types.map((value) => term('Release type', value)) });
  children.push({ name: 'security', attributes: security.covered ? { covered: '1' } : {}, text: security.text });
  // Drupal passes this to Semver::satisfies() uncaught: an invalid value (rows stored before
  // packaging checked it) would throw on every site, while a missing one is allowed.
  if (selector.kind === 'current' && release.coreCompatibility && isVersionConstraint(release.coreCompatibility)) {
    children.push(textElement('core_compatibility', release.coreCompatibility));
  }
  return { name: 'release', children };
}

function fileElement(file: FeedFile): XmlElement {
  const children = [
    textElement('url', file.url),
    textElement('archive_type', file.archiveType),
    textElement('md5', file.md5),
    textElement('size', file.size),
    textElement('filedate', file.filedate),
  ];
  if (file.variant !== undefined) children.push(textElement('variant', file.variant));
  return { name: 'file', children };
}
