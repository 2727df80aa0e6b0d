import type { BundledComponent, DistributionView, PageRelease, ReleasePageData } from '@packhouse/registry';
import { html, type Html } from '../html.ts';
import { badge, bytes, csrfField, date, type Viewer } from '../layout.ts';
import { renderNotes } from '../markdown.ts';
import { fileLabel, statuses } from './public.ts';

/**
 * `/project/{name}/releases/{version}`: files and checksums, commit, release notes (the
 * annotated tag's message), the build history of a `-dev` release, and for a distribution
 * its whole-site build and bill of materials.
 */
export function releaseBody(data: ReleasePageData, maintainer: Viewer | null): Html {
  const { project, release } = data;
  const base = `/project/${project.name}/releases/${release.version}`;
  return html`<p><a href="/project/${project.name}">${project.title}</a> › <a href="/project/${project.name}/releases">Releases</a></p>
<h1>${project.title} ${release.version}</h1>
<p>${statuses(release)} ${release.releaseTypes.map((t) => html`<span class="badge">${t}</span>`)}</p>
${
  release.buildStatus === 'failed'
    ? html`<div class="flash error" role="alert"><p>Packaging failed: ${release.error}</p>
${maintainer && release.kind === 'tag' ? retryForm(`${base}/retry`, maintainer, 'Retry this release') : ''}</div>`
    : ''
}
${data.distribution && release.buildStatus === 'published' ? distributionBuild(data.distribution, base, maintainer) : ''}
<dl><dt>Tag</dt><dd><code>${release.tag}</code>${data.notes?.taggedAt ? html`, tagged ${date(data.notes.taggedAt)}` : ''}</dd>
<dt>Commit</dt><dd>${release.commit ? html`<code class="hash">${release.commit}</code>` : html`<span class="muted">not yet</span>`}</dd>
<dt>Date</dt><dd>${date(release.date)}</dd>
${release.coreCompatibility ? html`<dt>Core compatibility</dt><dd><code>${release.coreCompatibility}</code></dd>` : ''}</dl>
${files(release)}
${release.kind === 'tag' ? notes(data) : builds(data)}
${data.billOfMaterials.length > 0 ? billOfMaterials(data.billOfMaterials, release) : ''}`;
}

function retryForm(action: string, maintainer: Viewer, label: string): Html {
  return html`<form method="post" action="${action}">${csrfField(maintainer)}<button type="submit" class="primary">${label}</button></form>`;
}

function files(release: PageRelease): Html {
  const tarball = release.files.find((file) => file.archiveType === 'tar.gz');
  return html`<h2>Files</h2>
${release.files.length === 0 ? html`<p class="muted">No files yet.</p>` : ''}
${release.files.map(
  (
    file,
  ) => html`<div class="card"><p><a class="button primary" href="${file.url}" download>${file.name}</a> ${fileLabel(file)}, ${bytes(file.size)}</p>
<table><caption class="sr-only">Checksums of ${file.name}</caption><tbody>
${(['md5', 'sha1', 'sha256', 'sha512'] as const).map((algorithm) => html`<tr><th scope="row">${algorithm}</th><td><code class="hash" id="${algorithm}-${file.name}">${file[algorithm]}</code> <button type="button" data-copy="${file[algorithm]}" hidden>Copy</button></td></tr>`)}
</tbody></table></div>`,
)}
${tarball ? html`<p>Check a download: <code class="hash" id="sha256sum-line">echo "${tarball.sha256}  ${tarball.name}" | sha256sum -c</code></p>` : ''}`;
}

/** A lightweight tag has no message, and the commit's is not release notes: nothing is shown for it. */
function notes(data: ReleasePageData): Html {
  return html`<section aria-labelledby="notes"><h2 id="notes">Release notes</h2>
${
  data.notes?.message
    ? html`<div class="readme">${renderNotes(data.notes.message)}</div>`
    : data.release.buildStatus === 'published'
      ? html`<p class="muted">None: the tag <code>${data.release.tag}</code> carries no message.</p>`
      : html`<p class="muted">Read from the tag when it is packaged.</p>`
}</section>`;
}

function builds(data: ReleasePageData): Html {
  return html`<section aria-labelledby="builds"><h2 id="builds">Builds</h2>
${data.builds.length === 0 ? html`<p class="muted">No build yet.</p>` : ''}
<table><caption class="sr-only">Builds of ${data.release.version}, newest first</caption>
<thead><tr><th scope="col">Build</th><th scope="col">Status</th><th scope="col">Commit</th><th scope="col">Published</th></tr></thead><tbody>
${data.builds.map((b) => html`<tr><td>${b.id}</td><td>${badge(b.status)}${b.error ? html` ${b.error}` : ''}</td><td>${b.commit ? html`<code>${b.commit.slice(0, 12)}</code>` : ''}</td><td>${date(b.publishedAt)}</td></tr>`)}
</tbody></table></section>`;
}

/** The second job of a distribution release: its make file built into whole-site archives. */
function distributionBuild(build: DistributionView, base: string, maintainer: Viewer | null): Html {
  const insecure = build.componentsInsecure;
  return html`${
    build.status === 'failed'
      ? html`<div class="flash error" role="alert"><p>The whole-site build failed:</p><pre>${build.error}</pre>
${maintainer ? retryForm(`${base}/distribution/retry`, maintainer, 'Retry the whole-site build') : ''}</div>`
      : build.status === 'published'
        ? ''
        : html`<p class="flash" role="status">The whole-site archives (with and without core) are being built: ${badge(build.status)}</p>`
  }${
    insecure.length > 0
      ? html`<div class="flash error" role="alert"><p>This distribution bundles releases marked insecure since: ${insecure.map((c, i) => html`${i > 0 ? ', ' : ''}<a href="/project/${c.project}/releases/${c.version}">${c.project} ${c.version}</a>`)}. A new release of it is needed.</p></div>`
      : ''
  }`;
}

function billOfMaterials(components: BundledComponent[], release: PageRelease): Html {
  const cycloneDx = release.files.find((file) => file.variant === 'sbom');
  return html`<section aria-labelledby="bom"><h2 id="bom">Bill of materials</h2>
<p>What the whole-site archives bundle${cycloneDx ? html`; with every sha256, as <a href="${cycloneDx.url}">CycloneDX</a>` : ''}.</p>
<table><caption class="sr-only">Components of ${release.version}</caption>
<thead><tr><th scope="col">Component</th><th scope="col">Kind</th><th scope="col">Version</th><th scope="col">Source</th></tr></thead><tbody>
${components.map((c) => html`<tr><td>${c.release ? html`<a href="/project/${c.release.project}/releases/${c.release.version}">${c.name}</a>${c.release.insecure ? html` ${badge('insecure')}` : ''}` : c.name}</td><td>${c.kind === 'patch' && c.appliedTo ? `patch to ${c.appliedTo}` : c.kind}</td><td>${c.version ?? ''}</td><td>${c.release ? 'Packhouse' : /^https?:\/\//.test(c.sourceUrl) ? html`<a class="hash" href="${c.sourceUrl}" rel="nofollow noopener">${c.sourceUrl}</a>` : html`<code class="hash">${c.sourceUrl}</code>`}</td></tr>`)}
</tbody></table></section>`;
}
