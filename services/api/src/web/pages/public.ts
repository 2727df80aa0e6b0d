import type { FileView, HomePageData, PageRelease, ProjectPageData, ReleasesPageData } from '@packhouse/registry';
import { usageChart } from '../chart.ts';
import { html, type Html } from '../html.ts';
import { badge, bytes, date } from '../layout.ts';
import { renderReadme } from '../markdown.ts';

export function homeBody(data: HomePageData): Html {
  return html`<h1>Drupal projects, packaged from their tags</h1>
<form role="search" action="/search" method="get" class="stack">
<label for="home-search">Search projects by name, title or description</label>
<input id="home-search" type="search" name="q">
<button type="submit" class="primary">Search</button>
</form>
<div class="grid">
<section aria-labelledby="newest"><h2 id="newest">Newest releases</h2>
${data.newest.length === 0 ? html`<p class="muted">Nothing released yet.</p>` : ''}
<ul>${data.newest.map((r) => html`<li><a href="/project/${r.project}/releases/${r.version}">${r.title} ${r.version}</a> <span class="muted">${date(r.publishedAt.toISOString())}</span></li>`)}</ul>
</section>
<section aria-labelledby="most-used"><h2 id="most-used">Most used</h2>
${data.mostUsed.length === 0 ? html`<p class="muted">No usage reported yet.</p>` : ''}
<ol>${data.mostUsed.map((p) => html`<li><a href="/project/${p.name}">${p.title}</a> <span class="muted">${p.sites} sites</span></li>`)}</ol>
</section>
</div>`;
}

const VARIANTS: Record<NonNullable<FileView['variant']>, string> = {
  'profile-only': 'profile only',
  full: 'with core',
  projects: 'without core',
  sbom: 'bill of materials',
};

/** What a download is: its archive type, and for a distribution which of its variants. */
export function fileLabel(file: FileView): string {
  return file.variant ? `${file.archiveType} ${VARIANTS[file.variant]}` : file.archiveType;
}

function downloads(release: PageRelease): Html {
  return html`<div class="downloads">${release.files.map(
    (file) =>
      html`<a class="button primary" href="${file.url}" download>Download ${fileLabel(file)} <span class="muted-inverse">(${bytes(file.size)})</span></a>`,
  )}</div>`;
}

export function statuses(release: PageRelease): Html {
  return html`${release.statuses.map(badge)}`;
}

export function projectBody(data: ProjectPageData, visits?: Map<string, number>): Html {
  const { project } = data;
  return html`<p class="muted">${project.type}${project.status !== 'published' ? html` · ${badge(project.status)}` : ''}</p>
<h1>${project.title}</h1>
<p><code>${project.name}</code> · <a href="/project/${project.name}/releases">${data.releaseCount === 1 ? 'The release' : `All ${data.releaseCount} releases`}</a></p>
<div class="grid">
<div>
<section aria-labelledby="downloads"><h2 id="downloads">Downloads</h2>
${data.branches.length === 0 ? html`<p class="muted">No published release yet.</p>` : ''}
${data.branches.map(
  (branch) => html`<div class="card"><h3>Branch <code>${branch.branch}</code></h3>
${branch.recommended ? html`<p>Recommended: <a href="/project/${project.name}/releases/${branch.recommended.version}">${branch.recommended.version}</a> ${date(branch.recommended.date)} ${branch.recommended.coreCompatibility ? html`· Drupal <code>${branch.recommended.coreCompatibility}</code>` : ''}</p>${downloads(branch.recommended)}` : html`<p class="muted">No recommended release on this branch.</p>`}
${branch.dev ? html`<p>Development snapshot: <a href="/project/${project.name}/releases/${branch.dev.version}">${branch.dev.version}</a></p>` : ''}
</div>`,
)}
<p>With Composer: <code>composer require drupal/${project.name}</code></p>
</section>
<section aria-labelledby="readme"><h2 id="readme">Description</h2>
<div class="readme">${data.readme.body ? renderReadme(data.readme.fileName, data.readme.body) : html`<p class="muted">The latest release has no README.</p>`}</div>
</section>
</div>
<aside>
<section aria-labelledby="maintainers"><h2 id="maintainers">Maintainers</h2><ul>${data.maintainers.map((m) => html`<li>${m}</li>`)}</ul></section>
<section aria-labelledby="security"><h2 id="security">Security coverage</h2>
<p>${project.securityCoverage ? 'Covered by the security advisory policy.' : 'Not covered by the security advisory policy: use at your own risk.'}</p>
${data.advisories.length > 0 ? html`<ul>${data.advisories.map((a) => html`<li><span class="badge insecure">${a.severity}</span> <a href="${a.url}">${a.id}: ${a.title}</a></li>`)}</ul>` : html`<p class="muted">No open advisories.</p>`}
</section>
<section aria-labelledby="offerings"><h2 id="offerings">Commercial offerings</h2>
${data.offerings.length === 0 ? html`<p class="muted">No offerings listed.</p>` : ''}
${data.offerings.map(
  (o) =>
    html`<div class="card"><p><a href="/go/${o.id}" rel="sponsored">${o.title}</a><br><span class="muted">${o.kind} by ${o.provider}</span></p>${o.description ? html`<p>${o.description}</p>` : ''}${visits ? html`<p class="muted">${visits.get(o.id) ?? 0} visits in the last 12 weeks</p>` : ''}</div>`,
)}
</section>
${data.usedBy.length > 0 ? html`<section aria-labelledby="used-by"><h2 id="used-by">Used by</h2><p class="muted">Distributions whose newest release bundles ${project.title}:</p><ul>${data.usedBy.map((d) => html`<li><a href="/project/${d.name}/releases/${d.version}">${d.title} ${d.version}</a> <span class="muted">bundles ${d.componentVersion}</span></li>`)}</ul></section>` : ''}
<section aria-labelledby="links"><h2 id="links">Links</h2><ul>
${project.gitUrl.startsWith('https://') ? html`<li><a href="${project.gitUrl}">Source repository</a></li>` : ''}
<li><a href="/release-history/${project.name}/current">Update status feed</a></li>
<li><a href="/project/${project.name}/releases.atom">Releases (Atom)</a></li>
</ul></section>
</aside>
</div>
<section aria-labelledby="usage"><h2 id="usage">Usage</h2>
${usageChart(data.usage, `Sites reporting ${project.title} per week, by major version`)}
</section>`;
}

/** Where one page of a project's releases lives; `releasesBody` links its neighbours. */
export function releasesPath(name: string, branch: string | undefined, page: number): string {
  const query = [branch ? `branch=${encodeURIComponent(branch)}` : '', page > 1 ? `page=${page}` : ''].filter(Boolean);
  return `/project/${name}/releases${query.length > 0 ? `?${query.join('&')}` : ''}`;
}

/** Previous and next links of a listing in pages. */
function pager(page: number, pageSize: number, total: number, link: (page: number) => string, label: string): Html {
  const pages = Math.max(1, Math.ceil(total / pageSize));
  if (pages === 1) return html``;
  return html`<nav class="pager" aria-label="${label}">${page > 1 ? html`<a href="${link(page - 1)}" rel="prev">Previous</a>` : ''}<span>Page ${page} of ${pages}</span>${page < pages ? html`<a href="${link(page + 1)}" rel="next">Next</a>` : ''}</nav>`;
}

export function releasesBody(data: ReleasesPageData, branch: string | undefined): Html {
  const { project } = data;
  return html`<p><a href="/project/${project.name}">${project.title}</a></p>
<h1>Releases of ${project.title}</h1>
<form method="get" action="/project/${project.name}/releases" class="stack">
<label for="branch">Branch</label>
<select id="branch" name="branch"><option value="">All branches</option>${data.branches.map((b) => html`<option value="${b}"${b === branch ? html` selected` : ''}>${b}</option>`)}</select>
<button type="submit">Filter</button>
</form>
<table><caption class="sr-only">Releases, newest first</caption>
<thead><tr><th scope="col">Version</th><th scope="col">Status</th><th scope="col">Release types</th><th scope="col">Date</th><th scope="col">Core compatibility</th></tr></thead>
<tbody>${data.releases.map(
    (r) =>
      html`<tr><td><a href="/project/${project.name}/releases/${r.version}">${r.version}</a></td><td>${statuses(r)}</td><td>${r.releaseTypes.join(', ')}</td><td>${date(r.date)}</td><td>${r.coreCompatibility ? html`<code>${r.coreCompatibility}</code>` : ''}</td></tr>`,
  )}</tbody></table>
${data.releases.length === 0 ? html`<p class="muted">No releases yet.</p>` : ''}
${pager(data.page, data.pageSize, data.total, (page) => releasesPath(project.name, branch, page), 'Release pages')}`;
}

export function searchBody(data: {
  query: string;
  page: number;
  pageSize: number;
  total: number;
  hits: { name: string; title: string; type: string; description: string }[];
}): Html {
  const link = (page: number) => `/search?q=${encodeURIComponent(data.query)}${page > 1 ? `&page=${page}` : ''}`;
  return html`<h1>Search</h1>
<form role="search" action="/search" method="get" class="stack">
<label for="q">Search projects by name, title or description</label>
<input id="q" type="search" name="q" value="${data.query}">
<button type="submit" class="primary">Search</button>
</form>
${data.query ? html`<p role="status">${data.total} ${data.total === 1 ? 'project matches' : 'projects match'} “${data.query}”.</p>` : ''}
<ol start="${(data.page - 1) * data.pageSize + 1}">${data.hits.map((hit) => html`<li><a href="/project/${hit.name}">${hit.title}</a> <span class="muted">${hit.type} · ${hit.name}</span>${hit.description ? html`<br>${hit.description}` : ''}</li>`)}</ol>
${pager(data.page, data.pageSize, data.total, link, 'Result pages')}`;
}
