import { quote, SourceRefused } from './errors.ts';
import { injectInfoIni, type InfoStamp } from './info.ts';

/**
 * Drupal 7's reader of `.info` files (drupal_parse_info_format), as a JavaScript regex: a
 * key, `=`, then a double- or single-quoted value (which may run over several lines) or the
 * rest of the line. A quote left open in a maintainer's file runs on into whatever follows
 * in readers less forgiving than Drupal's (PHP's INI parser, packaging tools): the lines
 * packaging appends would become part of its value and never be read as keys.
 */
const INFO_LINE =
  /^\s*((?:[^=;[\]]|\[[^[\]]*\])+?)\s*=\s*(?:("(?:[^"]|(?<=\\)")*")|('(?:[^']|(?<=\\)')*')|([^\r\n]*?))\s*$/gm;

export interface InfoIni {
  /** Keys and values as Drupal 7 reads them (quotes removed, later keys win). */
  values: Map<string, string>;
  /** Keys whose value opens a quote that never closes. */
  unterminated: string[];
}

export function readInfoIni(content: string): InfoIni {
  const values = new Map<string, string>();
  const unterminated: string[] = [];
  for (const match of content.matchAll(INFO_LINE)) {
    const key = match[1]!.trim();
    const quoted = match[2] ?? match[3];
    const bare = match[4] ?? '';
    // Read bare, a value that starts with a quote found no closing one.
    if (quoted === undefined && /^["']/.test(bare) && !bare.includes(bare[0]!, 1)) unterminated.push(key);
    values.set(key, quoted !== undefined ? quoted.slice(1, -1) : bare);
  }
  return { values, unterminated };
}

const PROBE: InfoStamp = { project: 'packhouse_probe', version: '7.x-1.0', datestamp: 1 };

/**
 * Refuses a legacy `.info` file that would swallow the lines packaging appends: it is
 * stamped with probe values and read back as Drupal reads it, and every appended key must
 * come out as written.
 */
export function checkInfoIni(content: string, path: string): void {
  const own = readInfoIni(content);
  if (own.unterminated.length > 0) {
    throw new SourceRefused(
      'info_file_not_ini',
      `info file ${quote(path)} is not a valid .info file: the value of ${quote(own.unterminated[0]!)} opens ` +
        `a quote that never closes, which would swallow the lines packaging appends`,
      path,
    );
  }
  const read = readInfoIni(injectInfoIni(content, PROBE)).values;
  const intact =
    read.get('version') === PROBE.version &&
    read.get('project') === PROBE.project &&
    read.get('datestamp') === String(PROBE.datestamp) &&
    read.get('core') === '7.x';
  if (!intact) {
    throw new SourceRefused(
      'info_file_not_ini',
      `info file ${quote(path)} is not a valid .info file: a quote left open would swallow the lines packaging appends`,
      path,
    );
  }
}
