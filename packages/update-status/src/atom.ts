import { renderDocument, textElement, type XmlElement } from './xml.ts';

/** Atom (RFC 4287) feeds of releases, for people and feed readers. */
export const ATOM_NAMESPACE = 'http://www.w3.org/2005/Atom';
const CYCLONEDX_JSON = 'application/vnd.cyclonedx+json';

export interface AtomRelease {
  project: string;
  projectTitle: string;
  version: string;
  publishedAt: Date;
  /** When its feed-visible state last changed (Atom's `updated`). */
  updatedAt: Date;
  insecure: boolean;
  releaseTypes: string[];
  /** The release's JSON. */
  link: string;
  /** The release's page, for people. */
  page: string;
  /** The annotated tag's message (release notes), plain text; null when there is none. */
  notes: string | null;
  /** Archives are enclosures; a distribution's bill of materials (`sbom`) is a related link. */
  files: { name: string; url: string; size: number; sha256: string; kind: 'archive' | 'sbom' }[];
}

export interface AtomFeed {
  /** A stable IRI naming the feed. */
  id: string;
  title: string;
  selfUrl: string;
  /** Newest first. */
  releases: AtomRelease[];
  /** `updated` of a feed with no entries. */
  emptyUpdated: Date;
}

export function renderAtom(feed: AtomFeed): string {
  const updated = feed.releases.reduce(
    (latest, release) => (release.updatedAt > latest ? release.updatedAt : latest),
    new Date(0),
  );
  return renderDocument({
    name: 'feed',
    attributes: { xmlns: ATOM_NAMESPACE },
    children: [
      textElement('id', feed.id),
      textElement('title', feed.title),
      textElement('updated', (feed.releases.length > 0 ? updated : feed.emptyUpdated).toISOString()),
      { name: 'link', attributes: { rel: 'self', type: 'application/atom+xml', href: feed.selfUrl } },
      { name: 'author', children: [textElement('name', 'Packhouse')] },
      ...feed.releases.map(entry),
    ],
  });
}

function entry(release: AtomRelease): XmlElement {
  const notes = [release.insecure ? 'insecure' : null, ...release.releaseTypes].filter(Boolean).join(', ');
  const summary = [
    `${release.projectTitle} ${release.version}${notes ? ` (${notes})` : ''}.`,
    ...release.files.map((file) => `${file.name}: ${file.size} bytes, sha256 ${file.sha256}`),
  ].join('\n');
  return {
    name: 'entry',
    children: [
      textElement('id', `urn:packhouse:release:${release.project}:${release.version}`),
      textElement('title', `${release.projectTitle} ${release.version}`),
      textElement('published', release.publishedAt.toISOString()),
      textElement('updated', release.updatedAt.toISOString()),
      { name: 'link', attributes: { rel: 'alternate', type: 'text/html', href: release.page } },
      { name: 'link', attributes: { rel: 'alternate', type: 'application/json', href: release.link } },
      ...release.files.map((file): XmlElement => ({
        name: 'link',
        attributes:
          file.kind === 'sbom'
            ? { rel: 'related', type: CYCLONEDX_JSON, title: 'CycloneDX bill of materials', href: file.url }
            : { rel: 'enclosure', href: file.url, length: String(file.size) },
      })),
      { name: 'category', attributes: { term: release.project } },
      { name: 'summary', attributes: { type: 'text' }, text: summary },
      ...(release.notes ? [{ name: 'content', attributes: { type: 'text' }, text: release.notes }] : []),
    ],
  };
}
