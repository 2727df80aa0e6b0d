import { projectTerms, projectTypeName } from './project-fields.ts';
import type { FeedProject } from './types.ts';
import { DC_NAMESPACE, renderDocument, textElement, type XmlElement } from './xml.ts';

export type ProjectListEntry = FeedProject & { apiVersions: string[] };

/** `/release-history/project-list/all`: every project with the API versions it has releases for. */
export function renderProjectList(entries: readonly ProjectListEntry[]): string {
  return renderDocument({
    name: 'projects',
    attributes: { 'xmlns:dc': DC_NAMESPACE },
    children: entries.map(projectElement),
  });
}

function projectElement(entry: ProjectListEntry): XmlElement {
  const children: XmlElement[] = [
    textElement('title', entry.title),
    textElement('short_name', entry.name),
    textElement('link', entry.link),
    textElement('dc:creator', entry.creator),
    textElement('type', projectTypeName(entry.type)),
    textElement('project_status', entry.status),
  ];
  if (entry.apiVersions.length > 0) {
    children.push({ name: 'api_versions', children: entry.apiVersions.map((api) => textElement('api_version', api)) });
  }
  children.push(projectTerms(entry.type));
  return { name: 'project', children };
}
