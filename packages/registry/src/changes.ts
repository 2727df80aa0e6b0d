import { changes, type Tx } from '@packhouse/db';
import { releaseStatement } from '@packhouse/signing';
import { eventText } from './change-event.ts';
import type { Registry } from './context.ts';

export type ReleaseChangeType = 'release.published' | 'release.updated' | 'release.unpublished';
export type ProjectChangeType = 'project.updated' | 'project.deleted';

/**
 * THE way a release's feed-visible change is recorded for mirrors: call it inside the
 * transaction that makes the change (publish, a new dev build, status, release types,
 * insecure — including a security advisory marking it insecure), after the change is
 * written. It counts the release's revision up, signs its statement (project, version,
 * revision, files with size and sha256, publishedAt) and appends the change with its event
 * text as the feed serves it (change-event.ts), so the event commits or vanishes with the
 * change itself. Releases not (yet) built are not in any
 * feed, so they record nothing.
 */
export async function recordReleaseChange(
  registry: Pick<Registry, 'signing'>,
  tx: Tx,
  releaseId: string,
  type: ReleaseChangeType,
): Promise<void> {
  const state = await changes.readReleaseState(tx, releaseId);
  if (!state || state.status !== 'published') return;
  await registry.signing.ready();
  const revision = await changes.bumpReleaseRevision(tx, releaseId);
  const signature = registry.signing.signer.sign(releaseStatement({ ...state, revision }));
  await changes.setReleaseSignature(tx, releaseId, signature);
  const at = new Date();
  const change = {
    // A release's first change is its publication, whatever the caller saw before.
    type: revision === 1 ? 'release.published' : type,
    project: state.project,
    version: state.version,
    revision,
    files: state.files,
    publishedAt: state.publishedAt,
    detail: { status: state.feedStatus, insecure: state.insecure, releaseTypes: state.releaseTypes },
    signature,
  } as const;
  await changes.appendChange(tx, { ...change, at, event: eventText({ ...change, at: at.toISOString() }) });
}

/**
 * Records a change of a project's feed-visible fields (title, status, security coverage,
 * supported branches, maintainers) or its deletion, in the transaction that makes it.
 */
export async function recordProjectChange(
  registry: Pick<Registry, 'signing'>,
  tx: Tx,
  project: { id: string; name: string; title: string; status: string },
  type: ProjectChangeType = 'project.updated',
): Promise<void> {
  await registry.signing.ready();
  const revision = await changes.bumpProjectRevision(tx, project.id);
  const at = new Date();
  const change = {
    type,
    project: project.name,
    version: null,
    revision,
    files: [],
    publishedAt: null,
    detail: { title: project.title, status: project.status },
    signature: null,
  };
  await changes.appendChange(tx, { ...change, at, event: eventText({ ...change, at: at.toISOString() }) });
}
