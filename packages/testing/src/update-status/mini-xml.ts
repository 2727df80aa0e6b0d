/**
 * A strict little XML reader for tests: enough of XML 1.0 to check that a
 * rendered feed is well-formed (declaration, one root, balanced tags, quoted
 * attributes, only predefined or numeric entities, no raw `<` or `&` in text)
 * and to walk it afterwards.
 */
export interface XmlNode {
  name: string;
  attributes: Record<string, string>;
  children: XmlNode[];
  /** Decoded text; for elements with children, the whitespace between them. */
  text: string;
}

const DECLARATION = '<?xml version="1.0" encoding="utf-8"?>';
const NAME = '[A-Za-z_][A-Za-z0-9_.:-]*';
const OPEN = new RegExp(`^<(${NAME})((?:\\s+${NAME}\\s*=\\s*(?:"[^"<]*"|'[^'<]*'))*)\\s*(/?)>`);
const ATTRIBUTE = new RegExp(`(${NAME})\\s*=\\s*(?:"([^"<]*)"|'([^'<]*)')`, 'g');
const CLOSE = new RegExp(`^</(${NAME})\\s*>`);
const ENTITY = /&(?:(amp|lt|gt|quot|apos)|#(\d+)|#x([0-9a-fA-F]+));/g;
const NOT_XML_CHAR = /[^\u0009\u000A\u000D\u0020-\uD7FF\uE000-\uFFFD\u{10000}-\u{10FFFF}]/u;

export function parseXml(document: string): XmlNode {
  if (!document.startsWith(DECLARATION)) throw new Error('missing or different XML declaration');
  if (NOT_XML_CHAR.test(document)) throw new Error('character not allowed in XML 1.0');
  let rest = document.slice(DECLARATION.length).replace(/^\s+/, '');
  const stack: XmlNode[] = [];
  let root: XmlNode | null = null;

  while (rest.length > 0) {
    const top = stack[stack.length - 1];
    if (!top) {
      if (root) {
        if (rest.trim() !== '') throw new Error('content after the root element');
        break;
      }
      if (!rest.startsWith('<')) throw new Error('text before the root element');
    }
    const close = CLOSE.exec(rest);
    if (close) {
      const node = stack.pop();
      if (!node || node.name !== close[1]) throw new Error(`unexpected </${close[1]}>`);
      if (node.children.length > 0 && node.text.trim() !== '') throw new Error(`mixed content in <${node.name}>`);
      rest = rest.slice(close[0].length);
      continue;
    }
    const open = OPEN.exec(rest);
    if (open) {
      const node: XmlNode = { name: open[1] ?? '', attributes: readAttributes(open[2] ?? ''), children: [], text: '' };
      if (top) top.children.push(node);
      else root = node;
      if (open[3] !== '/') stack.push(node);
      rest = rest.slice(open[0].length);
      continue;
    }
    if (rest.startsWith('<')) throw new Error(`malformed markup near ${JSON.stringify(rest.slice(0, 30))}`);
    const end = rest.indexOf('<');
    const raw = end < 0 ? rest : rest.slice(0, end);
    if (!top) throw new Error('text outside the root element');
    top.text += decode(raw);
    rest = end < 0 ? '' : rest.slice(end);
  }
  if (stack.length > 0) throw new Error(`unclosed <${stack[stack.length - 1]?.name}>`);
  if (!root) throw new Error('no root element');
  return root;
}

function readAttributes(source: string): Record<string, string> {
  const attributes: Record<string, string> = {};
  for (const match of source.matchAll(ATTRIBUTE)) {
    const name = match[1] ?? '';
    if (name in attributes) throw new Error(`duplicate attribute ${name}`);
    attributes[name] = decode(match[2] ?? match[3] ?? '');
  }
  return attributes;
}

function decode(raw: string): string {
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(raw))
    throw new Error(`bare & in ${JSON.stringify(raw)}`);
  if (raw.includes(']]>')) throw new Error(']]> in text');
  return raw.replace(ENTITY, (_, named: string | undefined, dec: string | undefined, hex: string | undefined) => {
    if (named) return { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" }[named] ?? '';
    return String.fromCodePoint(dec ? Number(dec) : Number.parseInt(hex ?? '', 16));
  });
}

/** The first child named `name`, like SimpleXML's `$node->name`. */
export function child(node: XmlNode, name: string): XmlNode | undefined {
  return node.children.find((c) => c.name === name);
}

export function childNames(node: XmlNode): string[] {
  return node.children.map((c) => c.name);
}
