import { createGunzip } from 'node:zlib';
import { pages, type ReleaseFileRow, type Readme } from '@packhouse/db';
import tar from 'tar-stream';
import type { Registry } from './context.ts';

/** READMEs longer than this are cut: a page shows a description, not a manual. */
const MAX_README_BYTES = 256 * 1024;
/** A README at the archive's top folder: `pathauto/README.md`, `drupal-10.2.1/README.txt`. */
const README = /^[^/]+\/(readme(?:\.md|\.markdown|\.txt)?)$/i;

/**
 * The README of a published release, read once from its packaged tar.gz (the bytes sites
 * download, so the page shows what the tag holds) and kept in Postgres; the project's
 * description follows the README of its latest release. Read lazily on the first page view:
 * packaging needs no change, and releases published before pages existed get one too.
 */
export async function releaseReadme(
  registry: Registry,
  projectId: string,
  releaseId: string,
  tarball: ReleaseFileRow | undefined,
  latest: boolean,
): Promise<Readme> {
  const stored = await pages.findReadme(registry.db, releaseId);
  if (stored) return stored;
  const readme = tarball ? await extractReadme(registry, tarball.storageKey) : { fileName: null, body: null };
  await pages.saveReadme(registry.db, releaseId, readme);
  if (latest) await pages.setDescription(registry.db, projectId, summaryOf(readme));
  return readme;
}

async function extractReadme(registry: Registry, storageKey: string): Promise<Readme> {
  const object = await registry.storage.get(storageKey);
  if (!object) {
    registry.log.warn({ storageKey }, 'Archive missing from the bucket; its README is recorded as none.');
    return { fileName: null, body: null };
  }
  const extract = tar.extract();
  const gunzip = createGunzip();
  object.body.pipe(gunzip).pipe(extract);
  const stop = () => {
    object.body.destroy();
    gunzip.destroy();
  };
  try {
    for await (const entry of extract) {
      const match = README.exec(entry.header.name);
      if (entry.header.type !== 'file' || !match) {
        entry.resume();
        continue;
      }
      const chunks: Buffer[] = [];
      let size = 0;
      for await (const chunk of entry as AsyncIterable<Buffer>) {
        if (size < MAX_README_BYTES) chunks.push(chunk);
        size += chunk.length;
      }
      const body = Buffer.concat(chunks)
        .subarray(0, MAX_README_BYTES)
        .toString('utf8')
        .replace(/\uFFFD$/, '');
      return { fileName: match[1]!, body };
    }
    return { fileName: null, body: null };
  } finally {
    stop();
  }
}

/** The README's first paragraph of prose, as plain text: what search and listings show. */
export function summaryOf(readme: Readme): string {
  if (!readme.body) return '';
  const paragraphs = readme.body.replace(/\r\n?/g, '\n').split(/\n\s*\n/);
  for (const paragraph of paragraphs) {
    const text = paragraph
      .split('\n')
      .filter((line) => !/^\s*(#|=+\s*$|-+\s*$|!\[|\[!\[|<|```|\||[-*+]\s|>\s*$|CONTENTS)/i.test(line))
      .join(' ')
      .replace(/!\[[^\]]*\]\([^)]*\)/g, '')
      .replace(/\[([^\]]*)\]\([^)]*\)/g, '$1')
      .replace(/[*_`>]/g, '')
      .replace(/\s+/g, ' ')
      .trim();
    if (text.length >= 20) return text.length > 300 ? `${text.slice(0, 297).replace(/\s+\S*$/, '')}…` : text;
  }
  return '';
}
