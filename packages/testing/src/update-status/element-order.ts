/** updates.drupal.org's element order (Drupal core's own fixtures follow it). */
export const PROJECT_ORDER = [
  'title',
  'short_name',
  'dc:creator',
  'type',
  'api_version',
  'recommended_major',
  'supported_majors',
  'default_major',
  'supported_branches',
  'project_status',
  'link',
  'terms',
  'releases',
];
export const RELEASE_ORDER = [
  'name',
  'version',
  'tag',
  'version_major',
  'version_minor',
  'version_patch',
  'version_extra',
  'status',
  'release_link',
  'download_link',
  'date',
  'mdhash',
  'filesize',
  'files',
  'terms',
  'security',
  'core_compatibility',
];
export const FILE_ORDER = ['url', 'archive_type', 'md5', 'size', 'filedate', 'variant'];

/** Every name is known and they come in `order` (optional elements may be absent). */
export function followsOrder(names: string[], order: string[]): boolean {
  const positions = names.map((name) => order.indexOf(name));
  return positions.every((p, i) => p >= 0 && (i === 0 || p > (positions[i - 1] ?? -1)));
}
