import { isVersionConstraint } from '@packhouse/versions';
import { parseDocument } from 'yaml';
import { quote, SourceRefused } from './errors.ts';
import { checkYamlDepth, MAX_YAML_ALIASES } from './yaml-limits.ts';

/**
 * Drupal info files, rewritten as drupal.org's packaging does (packages/packager/README.md,
 * "Info files").
 * Pure functions: the date comes from the datestamp, never from the clock, so a rebuild
 * yields the same bytes.
 */
export interface InfoStamp {
  project: string;
  version: string;
  /** Unix seconds: the tag commit's committer time. */
  datestamp: number;
}

export type InfoFormat = 'yml' | 'ini';

/** `foo.info.yml` is YAML (Drupal 8+), `foo.info` is INI (Drupal 7 and older). */
export function infoFormat(path: string): InfoFormat | null {
  const name = path.slice(path.lastIndexOf('/') + 1);
  if (/^.+\.info\.yml$/.test(name)) return 'yml';
  if (/^.+\.info$/.test(name)) return 'ini';
  return null;
}

function utcDate(datestamp: number): string {
  return new Date(datestamp * 1000).toISOString().slice(0, 10);
}

/** Ensures the appended block starts on a fresh line after a blank one. */
function separator(content: string): string {
  return content === '' || content.endsWith('\n') ? '\n' : '\n\n';
}

const PACKAGED_KEYS = /^(version|core|project|datestamp)\s*:/;

export function injectInfoYml(content: string, stamp: InfoStamp): string {
  const yaml = (value: string) => `'${value.replaceAll("'", "''")}'`;
  // Only top-level keys: indented lines belong to nested mappings and stay as they are.
  const commented = content
    .split('\n')
    .map((line) => (PACKAGED_KEYS.test(line) ? `# ${line}` : line))
    .join('\n');
  return (
    commented +
    separator(commented) +
    `# Information added by Packhouse packaging on ${utcDate(stamp.datestamp)}\n` +
    `version: ${yaml(stamp.version)}\n` +
    `project: ${yaml(stamp.project)}\n` +
    `datestamp: ${stamp.datestamp}\n`
  );
}

export function injectInfoIni(content: string, stamp: InfoStamp): string {
  const ini = (value: string) => `"${value.replaceAll('"', '')}"`;
  // Legacy versions carry their core (`7.x-1.2` → `7.x`); semantic versions do not.
  const core = /^(\d+\.x)-/.exec(stamp.version)?.[1];
  return (
    content +
    separator(content) +
    `; Information added by Packhouse packaging on ${utcDate(stamp.datestamp)}\n` +
    `version = ${ini(stamp.version)}\n` +
    (core !== undefined ? `core = ${ini(core)}\n` : '') +
    `project = ${ini(stamp.project)}\n` +
    `datestamp = ${ini(String(stamp.datestamp))}\n`
  );
}

/** Rewrites an info file by its name; other files are returned unchanged. */
export function injectInfo(path: string, content: string, stamp: InfoStamp): string {
  switch (infoFormat(path)) {
    case 'yml':
      return injectInfoYml(content, stamp);
    case 'ini':
      return injectInfoIni(content, stamp);
    default:
      return content;
  }
}

const CORE_REQUIREMENT = 'core_version_requirement';

/**
 * The top-level `core_version_requirement` of the info.yml at `path`, or null when it has none.
 * Drupal refuses to load an info file that is not YAML or whose requirement Composer cannot
 * parse (InfoParserException), and the feed hands the requirement to every site's
 * `Semver::satisfies()`, which does not catch the error: both refuse the release.
 */
export function coreCompatibility(content: string, path: string): string | null {
  const value = topLevel(readYaml(content, path), CORE_REQUIREMENT);
  // An empty value is a missing key to Drupal too (PHP's isset()).
  if (value === undefined || value === null) return null;
  // Numbers are refused although PHP would cast them: `10` pins the single release 10.0.0, and
  // YAML reads `8.10` as 8.1. A list or mapping is no constraint at all.
  if (typeof value !== 'string') throw invalidRequirement(path, `${kindOf(value)}, not a quoted version constraint`);
  if (!isVersionConstraint(value))
    throw invalidRequirement(path, `${shorten(value)}, which Composer cannot parse as a version constraint`);
  return value.trim();
}

/** An info.yml read as Drupal reads it; one that is not YAML is refused (`info_file_not_yaml`). */
export function readYaml(content: string, path: string): unknown {
  checkYamlDepth(content, path);
  try {
    // `merge`: Drupal's YAML parser (Symfony's) honours `<<` merge keys.
    const doc = parseDocument(content, { merge: true });
    if (doc.errors.length > 0) throw doc.errors[0];
    // toJS() also throws when aliases expand past the limit (a "billion laughs" file).
    return doc.toJS({ maxAliasCount: MAX_YAML_ALIASES });
  } catch (error) {
    const reason = ((error as Error).message.split('\n')[0] ?? '').replace(/:$/, '');
    throw new SourceRefused('info_file_not_yaml', `info file ${quote(path)} is not valid YAML: ${reason}`, path);
  }
}

/** Only a top-level key counts; a file that is not a mapping has none. */
export function topLevel(info: unknown, key: string): unknown {
  return typeof info === 'object' && info !== null && !Array.isArray(info)
    ? (info as Record<string, unknown>)[key]
    : undefined;
}

function invalidRequirement(path: string, what: string): SourceRefused {
  return new SourceRefused(
    'core_version_requirement_invalid',
    `info file ${quote(path)} sets ${CORE_REQUIREMENT} to ${what}`,
    path,
  );
}

function kindOf(value: unknown): string {
  if (Array.isArray(value)) return 'a list';
  if (typeof value === 'object') return 'a mapping';
  return `the ${typeof value} ${String(value)}`;
}

/** The value for a message: quoted, and cut so that a huge one cannot flood the release's error. */
function shorten(value: string): string {
  return value.length > 100 ? `${quote(value.slice(0, 100))}…` : quote(value);
}

const strictUtf8 = new TextDecoder('utf-8', { fatal: true, ignoreBOM: true });

/** Decodes an info file, or null when it is not text (NUL bytes or invalid UTF-8). */
export function decodeInfoText(bytes: Uint8Array): string | null {
  if (bytes.includes(0)) return null;
  try {
    return strictUtf8.decode(bytes);
  } catch {
    return null;
  }
}
