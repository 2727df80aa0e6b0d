import { composerPackageName, projectTypesOf } from '@packhouse/composer';
import { composer } from '@packhouse/db';
import { composerRepositoryUrl, isAbandoned } from './composer.ts';
import type { Registry } from './context.ts';

/**
 * Composer's `search` (`packages.json` names `/composer/search.json?q=%query%&type=%type%`),
 * as `composer search` reads it: Packagist's answer shape, `{results, total, next?}`, over
 * the projects the pages' full-text search finds. Only `drupal/{project}` packages are
 * searched, not sub-module metapackages.
 */
export interface ComposerSearchResult {
  name: string;
  description: string;
  url: string;
  repository: string;
  downloads: number;
  abandoned?: true;
}

export interface ComposerSearchAnswer {
  results: ComposerSearchResult[];
  total: number;
  /** The next page, when there is one (Packagist's paging). */
  next?: string;
}

export async function composerSearch(
  registry: Registry,
  { query, type, page, perPage }: { query: string; type: string; page: number; perPage: number },
): Promise<ComposerSearchAnswer> {
  const q = query.trim();
  // A type no project has (`library`, `metapackage`) finds nothing, as on Packagist.
  const types = projectTypesOf(type.trim());
  if (q === '' || types.length === 0) return { results: [], total: 0 };
  const offset = (page - 1) * perPage;
  const { hits, total } = await composer.searchPackages(registry.db, q, { types, limit: perPage, offset });
  const answer: ComposerSearchAnswer = {
    results: hits.map((hit) => ({
      name: composerPackageName(hit),
      description: hit.description || hit.title,
      url: `${registry.config.publicUrl}/project/${hit.name}`,
      repository: hit.gitUrl,
      downloads: hit.downloads,
      ...(isAbandoned(hit.status) ? { abandoned: true as const } : {}),
    })),
    total,
  };
  if (offset + hits.length < total) {
    const next = new URLSearchParams({ q, type, page: String(page + 1), per_page: String(perPage) });
    answer.next = `${composerRepositoryUrl(registry)}/search.json?${next}`;
  }
  return answer;
}
