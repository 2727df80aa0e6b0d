import type { ChangeRow } from '@packhouse/db';
import { canonicalJson, type Signature } from '@packhouse/signing';

/** A change as the feed serves it (`GET /api/v1/changes`). */
export interface ChangeEvent {
  type: ChangeRow['type'];
  project: string;
  version: string | null;
  revision: number;
  /** ISO 8601 with milliseconds. */
  at: string;
  /** Release events: the publication time the signed statement holds. */
  publishedAt: string | null;
  files: { name: string; url: string; size: number; sha256: string }[];
  /** The feed's view of a release (status, insecure, releaseTypes) or of a project (title, status). */
  detail: Record<string, unknown>;
  /** Over the release statement (releaseStatement); null for project events. */
  signature: Signature | null;
}

export type EventFields = Omit<ChangeEvent, 'files'> & { files: { name: string; size: number; sha256: string }[] };

/**
 * Where PUBLIC_URL goes in a stored event: U+0001, which canonical JSON never writes raw
 * (JSON escapes every control character), so putting the URL in when serving cannot touch
 * anything else, and a changed PUBLIC_URL applies to every event, as to the snapshot.
 */
const URL_BASE = '\u0001';

/**
 * The event's text as stored with its change (`changes.event`), written once in the
 * transaction that makes the change: its canonical JSON, the form whose digest the page head
 * signs, so a page is these texts joined by commas and nothing is serialized per request.
 */
export function eventText(event: EventFields): string {
  const text = canonicalJson({
    ...event,
    files: event.files.map(({ name, size, sha256 }) => ({
      name,
      url: `${URL_BASE}/files/projects/${encodeURIComponent(name)}`,
      size: Number(size),
      sha256,
    })),
  });
  // canonicalJson wrote the placeholder escaped; a `"url":"` with bare quotes is only ever a key.
  return text.replaceAll('"url":"\\u0001', `"url":"${URL_BASE}`);
}

/** What a stored event text holds in place of this server's PUBLIC_URL, and what is served there. */
export function urlSubstitute(publicUrl: string): [placeholder: string, value: string] {
  return [URL_BASE, JSON.stringify(publicUrl).slice(1, -1)];
}
