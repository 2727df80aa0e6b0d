import { recentReleases } from '@packhouse/db';
import { renderAtom } from '@packhouse/update-status';
import type { Registry } from './context.ts';
import { requireProject } from './projects.ts';
import { downloadUrl } from './views.ts';

const ENTRIES = 50;

/** `/feeds/releases.atom`: the newest releases of every project. */
export async function allReleasesAtom(registry: Registry): Promise<string> {
  const { publicUrl } = registry.config;
  const rows = await recentReleases.listRecentReleases(registry.db, { limit: ENTRIES });
  return render(registry, rows, {
    id: `${publicUrl}/feeds/releases.atom`,
    title: 'Packhouse: new releases',
    selfUrl: `${publicUrl}/feeds/releases.atom`,
  });
}

/** `/project/{name}/releases.atom`: one project's newest releases; 404 for an unknown project. */
export async function projectReleasesAtom(registry: Registry, name: string): Promise<string> {
  const project = await requireProject(registry, name);
  const { publicUrl } = registry.config;
  const rows = await recentReleases.listRecentReleases(registry.db, { project: name, limit: ENTRIES });
  const selfUrl = `${publicUrl}/project/${name}/releases.atom`;
  return render(registry, rows, { id: selfUrl, title: `${project.title}: releases`, selfUrl }, project.createdAt);
}

function render(
  registry: Registry,
  rows: recentReleases.RecentReleaseRow[],
  feed: { id: string; title: string; selfUrl: string },
  emptyUpdated = new Date(0),
): string {
  const { publicUrl } = registry.config;
  return renderAtom({
    ...feed,
    emptyUpdated,
    releases: rows.map((row) => ({
      ...row,
      link: `${publicUrl}/api/v1/projects/${row.project}/releases/${encodeURIComponent(row.version)}`,
      page: `${publicUrl}/project/${row.project}/releases/${encodeURIComponent(row.version)}`,
      files: row.files.map((file) => ({
        ...file,
        size: Number(file.size),
        url: downloadUrl(publicUrl, file.name),
        kind: file.archiveType === 'cdx.json' ? ('sbom' as const) : ('archive' as const),
      })),
    })),
  });
}
