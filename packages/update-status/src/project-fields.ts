import type { FeedProject } from './types.ts';
import type { XmlElement } from './xml.ts';

// updates.drupal.org's names for project types, in `<type>` and in the "Projects" term.
const TYPE: Record<FeedProject['type'], { element: string; term: string }> = {
  core: { element: 'project_core', term: 'Drupal project' },
  module: { element: 'project_module', term: 'Modules' },
  theme: { element: 'project_theme', term: 'Themes' },
  distribution: { element: 'project_distribution', term: 'Distributions' },
};

export function projectTypeName(type: FeedProject['type']): string {
  return TYPE[type].element;
}

/** `<term><name>{name}</name><value>{value}</value></term>`, on one line like Drupal's fixtures. */
export function term(name: string, value: string): XmlElement {
  return {
    name: 'term',
    inline: true,
    children: [
      { name: 'name', text: name },
      { name: 'value', text: value },
    ],
  };
}

export function projectTerms(type: FeedProject['type']): XmlElement {
  return { name: 'terms', children: [term('Projects', TYPE[type].term)] };
}
