/**
 * Drupal info files, rewritten as drupal.org's packaging does (DESIGN.md section 6).
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

/** The top-level `core_version_requirement` of an info.yml, unquoted, or null. */
export function coreCompatibility(content: string): string | null {
  const match = /^core_version_requirement\s*:[ \t]*(.*?)[ \t]*\r?$/m.exec(content);
  if (!match) return null;
  let value = match[1] ?? '';
  const quoted = /^(['"])(.*)\1/.exec(value);
  if (quoted) value = quoted[2] ?? '';
  else value = value.replace(/\s+#.*$/, '').trim();
  return value === '' ? null : value;
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
