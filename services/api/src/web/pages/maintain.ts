import {
  OFFERING_KINDS,
  RELEASE_TYPES,
  type OfferingView,
  type PageRelease,
  type ReleasePageData,
} from '@packhouse/registry';
import { html, type Html } from '../html.ts';
import { badge, csrfField, type Viewer } from '../layout.ts';

export interface ManageData {
  name: string;
  title: string;
  maintainers: string[];
  supportedBranches: string[];
  failed: PageRelease[];
  offerings: OfferingView[];
  visits: Map<string, { total: number; weeks: { week: string; visits: number }[] }>;
}

const DONE: Record<string, string> = {
  branches: 'Supported branches saved.',
  maintainer_added: 'Maintainer added.',
  maintainer_removed: 'Maintainer removed.',
  offering_added: 'Offering added.',
  offering_saved: 'Offering saved.',
  offering_removed: 'Offering removed.',
  release_saved: 'Release saved.',
};

export function flashFor(done: string | undefined): { kind: 'ok'; message: string } | undefined {
  const message = done ? DONE[done] : undefined;
  return message ? { kind: 'ok', message } : undefined;
}

function offeringFields(viewer: Viewer, offering?: OfferingView): Html {
  const id = offering?.id ?? 'new';
  return html`${csrfField(viewer)}
<label for="provider-${id}">Provider</label><input id="provider-${id}" type="text" name="provider" required maxlength="120" value="${offering?.provider ?? ''}">
<label for="kind-${id}">Kind</label><select id="kind-${id}" name="kind">${OFFERING_KINDS.map((kind) => html`<option${kind === offering?.kind ? html` selected` : ''}>${kind}</option>`)}</select>
<label for="title-${id}">Title</label><input id="title-${id}" type="text" name="title" required maxlength="120" value="${offering?.title ?? ''}">
<label for="url-${id}">Link</label><input id="url-${id}" type="url" name="url" required value="${offering?.url ?? ''}">
<label for="description-${id}">Description</label><textarea id="description-${id}" name="description" maxlength="1000">${offering?.description ?? ''}</textarea>`;
}

export function manageBody(data: ManageData, viewer: Viewer): Html {
  const base = `/project/${data.name}`;
  return html`<p><a href="${base}">${data.title}</a></p>
<h1>Manage ${data.title}</h1>
<section aria-labelledby="release"><h2 id="release">Release a tag</h2>
<form method="post" action="${base}/releases" class="stack">${csrfField(viewer)}
<label for="tag">Tag (the version, e.g. 8.x-1.2 or 2.0.1)</label><input id="tag" type="text" name="tag" required maxlength="128">
<fieldset><legend>Release types</legend>${RELEASE_TYPES.map((type) => html`<label><input type="checkbox" name="releaseTypes" value="${type}"> ${type}</label> `)}</fieldset>
<button type="submit" class="primary">Release</button>
</form></section>
${data.failed.length > 0 ? html`<section aria-labelledby="failed"><h2 id="failed">Failed releases</h2><ul>${data.failed.map((r) => html`<li><a href="${base}/releases/${r.version}">${r.version}</a> ${badge('failed')} ${r.error}</li>`)}</ul></section>` : ''}
<section aria-labelledby="branches"><h2 id="branches">Supported branches</h2>
<form method="post" action="${base}/supported-branches" class="stack">${csrfField(viewer)}
<label for="branches-input">Branches, separated by spaces (e.g. <code>8.x-1. 2.0.</code>); empty supports every branch with a release</label>
<input id="branches-input" type="text" name="branches" value="${data.supportedBranches.join(' ')}">
<button type="submit">Save branches</button>
</form></section>
<section aria-labelledby="webhook"><h2 id="webhook">Webhook secret</h2>
<form method="post" action="${base}/webhook-secret" class="stack">${csrfField(viewer)}
<p>Replaces the secret your git host signs deliveries with; the new one is shown once.</p>
<button type="submit" class="danger">Rotate the webhook secret</button>
</form></section>
<section aria-labelledby="maintainers"><h2 id="maintainers">Maintainers</h2>
<ul>${data.maintainers.map((m) => html`<li>${m} <form class="inline" method="post" action="${base}/maintainers/${m}/remove">${csrfField(viewer)}<button type="submit" class="danger" aria-label="Remove ${m}">Remove</button></form></li>`)}</ul>
<form method="post" action="${base}/maintainers" class="stack">${csrfField(viewer)}
<label for="maintainer">User name</label><input id="maintainer" type="text" name="user" required>
<button type="submit">Add maintainer</button>
</form></section>
<section aria-labelledby="offerings"><h2 id="offerings">Commercial offerings</h2>
${data.offerings.map((o) => {
  const visits = data.visits.get(o.id);
  return html`<div class="card"><h3>${o.title}</h3>
<p class="muted">${visits?.total ?? 0} visits in the last 12 weeks${visits && visits.weeks.length > 0 ? html` (${visits.weeks.map((w) => `${w.week}: ${w.visits}`).join(', ')})` : ''}</p>
<form method="post" action="${base}/offerings/${o.id}" class="stack">${offeringFields(viewer, o)}<button type="submit">Save offering</button></form>
<form method="post" action="${base}/offerings/${o.id}/delete">${csrfField(viewer)}<button type="submit" class="danger">Remove offering</button></form></div>`;
})}
<h3>Add an offering</h3>
<form method="post" action="${base}/offerings" class="stack">${offeringFields(viewer)}<button type="submit" class="primary">Add offering</button></form>
</section>`;
}

export function releaseManageForm(name: string, data: ReleasePageData, viewer: Viewer): Html {
  const { release } = data;
  if (release.buildStatus !== 'published') return html``;
  return html`<section aria-labelledby="release-manage"><h2 id="release-manage">Maintain this release</h2>
<form method="post" action="/project/${name}/releases/${release.version}/support" class="stack">${csrfField(viewer)}
<fieldset><legend>Release types</legend>${RELEASE_TYPES.map((type) => html`<label><input type="checkbox" name="releaseTypes" value="${type}"${release.releaseTypes.includes(type) ? html` checked` : ''}> ${type}</label> `)}</fieldset>
<label><input type="checkbox" name="insecure" value="1"${release.statuses.includes('insecure') ? html` checked` : ''}> Insecure</label>
<label for="feed-status">Status in the update feed</label>
<select id="feed-status" name="status"><option${release.statuses.includes('published') ? html` selected` : ''}>published</option><option${release.statuses.includes('unpublished') ? html` selected` : ''}>unpublished</option></select>
<button type="submit">Save release</button>
</form></section>`;
}

export function newProjectBody(viewer: Viewer): Html {
  return html`<h1>Create a project</h1>
<form method="post" action="/projects/new" class="stack">${csrfField(viewer)}
<label for="name">Machine name</label><input id="name" type="text" name="name" required pattern="[a-z][a-z0-9_]{1,63}">
<label for="title">Title</label><input id="title" type="text" name="title" required maxlength="255">
<label for="type">Type</label><select id="type" name="type"><option>module</option><option>theme</option><option>distribution</option><option>core</option></select>
<label for="gitUrl">Git URL</label><input id="gitUrl" type="text" name="gitUrl" required>
<button type="submit" class="primary">Create project</button></form>`;
}

/** A webhook secret, shown once: after creating a project, or rotating its secret. */
export function secretBody(name: string, secret: string, heading = `New webhook secret for ${name}`): Html {
  return html`<h1>${heading}</h1>
<p>Copy the webhook secret into your git host's webhook settings now: it is shown only this once.</p>
<p><code class="secret">${secret}</code></p>
<p><a href="/project/${name}/manage">Back to managing ${name}</a></p>`;
}
