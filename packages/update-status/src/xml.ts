/**
 * A tiny XML writer for fixed-order documents. The feeds are small and their
 * element order is the contract, so building a tree and printing it with
 * two-space indentation is clearer than a general XML library.
 */
export interface XmlElement {
  name: string;
  attributes?: Record<string, string>;
  text?: string;
  children?: XmlElement[];
  /** Print children on the element's own line, as Drupal prints `<term>`. */
  inline?: boolean;
}

export const XML_DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
export const DC_NAMESPACE = 'http://purl.org/dc/elements/1.1/';

export function textElement(name: string, value: string | number): XmlElement {
  return { name, text: String(value) };
}

/** A whole document: declaration, root element, trailing newline. */
export function renderDocument(root: XmlElement): string {
  return `${XML_DECLARATION}\n${renderElement(root, '')}\n`;
}

function renderElement(element: XmlElement, indent: string): string {
  const open = `<${element.name}${renderAttributes(element.attributes)}>`;
  const close = `</${element.name}>`;
  const children = element.children ?? [];
  if (children.length === 0) return `${indent}${open}${escapeXml(element.text ?? '')}${close}`;
  if (element.inline) return `${indent}${open}${children.map((c) => renderElement(c, '')).join('')}${close}`;
  const inner = children.map((c) => renderElement(c, `${indent}  `)).join('\n');
  return `${indent}${open}\n${inner}\n${indent}${close}`;
}

function renderAttributes(attributes: Record<string, string> = {}): string {
  return Object.entries(attributes)
    .map(([name, value]) => ` ${name}="${escapeXml(value)}"`)
    .join('');
}

// Characters XML 1.0 cannot carry at all, even escaped (C0 controls, lone surrogates, U+FFFE/U+FFFF).
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/gu;
const ENTITIES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&apos;' };

/**
 * Escapes text and attribute values. A character XML cannot represent becomes
 * U+FFFD, because one hostile title must not make the whole feed unparseable
 * for every site that polls it.
 */
export function escapeXml(value: string): string {
  return value.replace(NOT_XML_CHAR, '\uFFFD').replace(/[&<>"']/g, (c) => ENTITIES[c] ?? c);
}
