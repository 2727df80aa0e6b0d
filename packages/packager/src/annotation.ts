/**
 * What an annotated tag says about its release: the message (shown as release notes) and
 * the tagger's time. A lightweight tag has neither, and Packhouse does not fall back to the
 * commit message: a commit says what changed in one commit, not what a release brings.
 *
 * The message is kept as text people may read, never trusted as markup: invalid UTF-8
 * becomes U+FFFD, control characters other than tab and newline are dropped (Postgres
 * refuses NUL in text), a trailing PGP/SSH/X.509 signature is cut off, and a message longer
 * than MAX_NOTES_CHARS keeps its beginning, ending in TRUNCATED_MARK.
 */
export interface TagAnnotation {
  /** Null when the tag's message is empty (or its object too large to read). */
  message: string | null;
  /** Unix seconds of the `tagger` line; null when the tag has none (very old tags). */
  taggedAt: number | null;
}

export const MAX_NOTES_CHARS = 16_384;
export const TRUNCATED_MARK = '\n\n[…]';
/** A tag object past this is not read at all: no release notes are worth a megabyte. */
export const MAX_TAG_OBJECT_BYTES = 1024 * 1024;
const SIGNATURE = /^-----BEGIN (PGP|SSH|SIGNED) (SIGNATURE|MESSAGE)-----$/m;
// Every C0 control but tab and newline, DEL, and the C1 controls.
const CONTROLS = /[\u0000-\u0008\u000b-\u001f\u007f-\u009f]/g;

/** Reads a raw tag object: headers, a blank line, the message (and maybe a signature). */
export function parseTagObject(raw: Buffer): TagAnnotation {
  const text = new TextDecoder('utf-8').decode(raw);
  const split = text.indexOf('\n\n');
  const headers = split < 0 ? text : text.slice(0, split);
  let message = split < 0 ? '' : text.slice(split + 2);
  const tagger = /^tagger .* (\d+) [+-]\d{4}$/m.exec(headers);
  const signature = SIGNATURE.exec(message);
  if (signature) message = message.slice(0, signature.index);
  message = message.replace(/\r\n?/g, '\n').replace(CONTROLS, '').trim();
  if ([...message].length > MAX_NOTES_CHARS) {
    const kept = [...message].slice(0, MAX_NOTES_CHARS - [...TRUNCATED_MARK].length).join('');
    message = kept.trimEnd() + TRUNCATED_MARK;
  }
  const taggedAt = tagger ? Number(tagger[1]) : NaN;
  return {
    message: message === '' ? null : message,
    // A date Postgres can hold (up to the year 9999), or none.
    taggedAt: Number.isSafeInteger(taggedAt) && taggedAt <= 253_402_300_799 ? taggedAt : null,
  };
}
