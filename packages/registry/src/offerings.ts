import { offerings, type OfferingKind, type OfferingRow } from '@packhouse/db';
import type { Actor, Registry } from './context.ts';
import { invalid, notFound } from './errors.ts';
import { isoWeekLabel, isoWeekStart, weeksBefore } from './usage/iso-week.ts';
import { requireAccess } from './permissions.ts';
import { requireProject } from './projects.ts';

export const OFFERING_KINDS = [
  'support',
  'hosting',
  'training',
  'administration',
  'other',
] as const satisfies readonly OfferingKind[];

/** A commercial offering of an organisation behind a project, as the API returns it. */
export interface OfferingView {
  id: string;
  project: string;
  provider: string;
  kind: OfferingKind;
  title: string;
  url: string;
  description: string;
  /** Where the project page links: counts the visit, then redirects to `url`. */
  link: string;
  createdAt: string;
  updatedAt: string;
}

export interface OfferingInput {
  provider: string;
  kind: OfferingKind;
  title: string;
  url: string;
  description?: string;
}

function view(publicUrl: string, project: string, row: OfferingRow): OfferingView {
  const { id, provider, kind, title, url, description } = row;
  return {
    id,
    project,
    provider,
    kind,
    title,
    url,
    description,
    link: `${publicUrl}/go/${id}`,
    createdAt: row.createdAt.toISOString(),
    updatedAt: row.updatedAt.toISOString(),
  };
}

/** Only absolute http(s) URLs: a visitor is redirected there, and nothing else may run. */
function checkUrl(url: string): string {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw invalid(`url: "${url}" is not an absolute URL; write one such as https://example.com/support`);
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:') {
    throw invalid(`url: only http:// and https:// links can be offered, not ${parsed.protocol}`);
  }
  if (parsed.username || parsed.password) throw invalid('url: a link must not hold credentials');
  return parsed.toString();
}

function clean(input: Partial<OfferingInput>): Partial<OfferingInput> {
  const trimmed = (value: string | undefined) => value?.trim();
  const out: Partial<OfferingInput> = {
    provider: trimmed(input.provider),
    kind: input.kind,
    title: trimmed(input.title),
    url: input.url === undefined ? undefined : checkUrl(input.url.trim()),
    description: trimmed(input.description),
  };
  for (const field of ['provider', 'title'] as const) {
    if (out[field] !== undefined && out[field] === '') throw invalid(`${field}: must not be blank`);
  }
  return Object.fromEntries(Object.entries(out).filter(([, value]) => value !== undefined));
}

export async function listOfferings(registry: Registry, name: string): Promise<OfferingView[]> {
  const project = await requireProject(registry, name);
  const rows = await offerings.listOfferings(registry.db, project.id);
  return rows.map((row) => view(registry.config.publicUrl, name, row));
}

export async function getOffering(registry: Registry, name: string, id: string): Promise<OfferingView> {
  const project = await requireProject(registry, name);
  const row = await offerings.findOffering(registry.db, id);
  if (!row || row.projectId !== project.id) throw notFound(`${name} has no offering ${id}.`);
  return view(registry.config.publicUrl, name, row);
}

export async function createOffering(
  registry: Registry,
  actor: Actor,
  name: string,
  input: OfferingInput,
): Promise<OfferingView> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const fields = clean(input) as OfferingInput;
  const row = await offerings.insertOffering(registry.db, {
    projectId: project.id,
    ...fields,
    description: fields.description ?? '',
  });
  registry.log.info({ project: { name }, offering: { id: row.id }, user: { name: actor.name } }, 'Offering added.');
  return view(registry.config.publicUrl, name, row);
}

export async function updateOffering(
  registry: Registry,
  actor: Actor,
  name: string,
  id: string,
  changes: Partial<OfferingInput>,
): Promise<OfferingView> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const row = await offerings.updateOffering(registry.db, project.id, id, clean(changes));
  if (!row) throw notFound(`${name} has no offering ${id}.`);
  registry.log.info({ project: { name }, offering: { id }, user: { name: actor.name } }, 'Offering changed.');
  return view(registry.config.publicUrl, name, row);
}

export async function deleteOffering(registry: Registry, actor: Actor, name: string, id: string): Promise<void> {
  const project = await requireAccess(registry, actor, name, 'manage');
  if (!(await offerings.deleteOffering(registry.db, project.id, id))) throw notFound(`${name} has no offering ${id}.`);
  registry.log.info({ project: { name }, offering: { id }, user: { name: actor.name } }, 'Offering removed.');
}

/** Counts a visit through the project page (this ISO week, nothing about the visitor); where to send it. */
export async function visitOffering(registry: Registry, id: string, at = new Date()): Promise<string> {
  const url = /^[0-9]{1,18}$/.test(id) ? await offerings.countVisit(registry.db, id, isoWeekStart(at)) : undefined;
  if (!url) throw notFound(`No offering ${id}.`);
  return url;
}

export interface OfferingVisits {
  offeringId: string;
  /** Newest week first, `2026-W48`. */
  weeks: { week: string; visits: number }[];
  total: number;
}

/** Visits per offering over the last `weeks` ISO weeks (maintainers only). */
export async function offeringVisits(
  registry: Registry,
  actor: Actor,
  name: string,
  weeks = 12,
  at = new Date(),
): Promise<OfferingVisits[]> {
  const project = await requireAccess(registry, actor, name, 'manage');
  const since = weeksBefore(at, weeks - 1);
  const rows = await offerings.weeklyVisits(registry.db, project.id, since);
  const byOffering = new Map<string, OfferingVisits>();
  for (const row of rows) {
    let entry = byOffering.get(row.offeringId);
    if (!entry) byOffering.set(row.offeringId, (entry = { offeringId: row.offeringId, weeks: [], total: 0 }));
    entry.weeks.push({ week: isoWeekLabel(row.week), visits: row.visits });
    entry.total += row.visits;
  }
  return [...byOffering.values()];
}
