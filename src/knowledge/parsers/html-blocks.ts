/**
 * HTML DOM (linkedom) -> DocumentBlocks: headings h1-h6, paragraphs, lists, tables and code, in reading order.
 * Shared by the HTML parser and the DOCX parser (mammoth produces HTML).
 */
import { parseHTML } from 'linkedom';
import { BlockBuilder, normalizeSpace, renderTable } from './blocks.js';

/** The slice of the DOM this module reads; linkedom's own types lean on lib.dom, which the project leaves out. */
export interface DomNode {
  nodeType: number;
  nodeName: string;
  textContent: string | null;
  childNodes: ArrayLike<DomNode>;
  parentNode: DomNode | null;
  getAttribute?(name: string): string | null;
  setAttribute?(name: string, value: string): void;
  remove?(): void;
  querySelectorAll?(selector: string): ArrayLike<DomNode>;
  closest?(selector: string): DomNode | null;
}

export interface DomDocument extends DomNode {
  body: DomNode | null;
  title?: string;
  querySelector(selector: string): DomNode | null;
  querySelectorAll(selector: string): ArrayLike<DomNode>;
}

export function parseHtmlDocument(html: string): DomDocument {
  // A document without <html>/<body> gets them, so `body` is always there to walk.
  const source = /<html[\s>]/i.test(html) ? html : `<!doctype html><html><head></head><body>${html}</body></html>`;
  return parseHTML(source).document as unknown as DomDocument;
}

const ELEMENT = 1;
const TEXT = 3;
/** Never text a reader sees. */
const SKIP = new Set(['script', 'style', 'noscript', 'template', 'svg', 'canvas', 'iframe', 'object', 'embed', 'img', 'video', 'audio', 'map', 'head', 'select', 'button', 'input', 'textarea']);
/** Elements that end the running paragraph before and after them. */
const BLOCK = new Set([
  'address', 'article', 'aside', 'blockquote', 'body', 'center', 'dd', 'details', 'dialog', 'div', 'dl', 'dt', 'fieldset',
  'figcaption', 'figure', 'footer', 'form', 'header', 'hgroup', 'hr', 'html', 'li', 'main', 'nav', 'p', 'section', 'summary',
  'caption', 'tbody', 'thead', 'tfoot', 'tr', 'td', 'th',
]);

const tagOf = (node: DomNode) => node.nodeName.toLowerCase();
const children = (node: DomNode) => Array.from(node.childNodes);

/** Visible text of a subtree, skipping script/style and friends. */
export function textOf(node: DomNode): string {
  if (node.nodeType === TEXT) return node.textContent ?? '';
  if (node.nodeType !== ELEMENT || SKIP.has(tagOf(node))) return '';
  const parts = children(node).map(textOf);
  return BLOCK.has(tagOf(node)) || tagOf(node) === 'br' ? ` ${parts.join('')} ` : parts.join('');
}

function renderList(list: DomNode, depth: number, out: string[]): void {
  let n = 0;
  for (const item of children(list)) {
    if (item.nodeType !== ELEMENT || tagOf(item) !== 'li') continue;
    n += 1;
    const own = children(item).filter((c) => !['ul', 'ol'].includes(tagOf(c)));
    const text = normalizeSpace(own.map(textOf).join(''));
    const marker = tagOf(list) === 'ol' ? `${n}.` : '-';
    if (text) out.push(`${'  '.repeat(depth)}${marker} ${text}`);
    for (const nested of children(item)) if (['ul', 'ol'].includes(tagOf(nested))) renderList(nested, depth + 1, out);
  }
}

/** The table's own rows (not those of tables nested inside it). */
function tableRows(table: DomNode): DomNode[] {
  const rows: DomNode[] = [];
  const visit = (node: DomNode) => {
    for (const child of children(node)) {
      const tag = tagOf(child);
      if (tag === 'tr') rows.push(child);
      else if (tag === 'thead' || tag === 'tbody' || tag === 'tfoot') visit(child);
    }
  };
  visit(table);
  return rows;
}

/** Layout tables (one column, or holding headings or other tables) are read as containers, not as data. */
function isLayoutTable(table: DomNode, rows: DomNode[]): boolean {
  const widths = rows.map((r) => children(r).filter((c) => ['td', 'th'].includes(tagOf(c))).length);
  if (rows.length === 0 || Math.max(...widths) <= 1) return true;
  return (table.querySelectorAll?.('table, h1, h2, h3, h4, h5, h6').length ?? 0) > 0;
}

export interface WalkOptions {
  /** Heading levels can be carried in this attribute when something (Readability) renamed the tags. */
  levelAttribute?: string;
}

/** Walks `root` and appends its blocks to `builder`. */
export function walkHtml(root: DomNode, builder: BlockBuilder, options: WalkOptions = {}): void {
  let inline = '';
  const flush = () => {
    builder.add('paragraph', normalizeSpace(inline));
    inline = '';
  };
  const visit = (node: DomNode): void => {
    if (node.nodeType === TEXT) {
      inline += node.textContent ?? '';
      return;
    }
    if (node.nodeType !== ELEMENT) return;
    const tag = tagOf(node);
    if (SKIP.has(tag)) return;
    const heading = /^h([1-6])$/.exec(tag);
    if (heading) {
      flush();
      const declared = options.levelAttribute ? Number(node.getAttribute?.(options.levelAttribute)) : NaN;
      builder.heading(textOf(node), Number.isInteger(declared) && declared >= 1 ? declared : Number(heading[1]));
      return;
    }
    if (tag === 'ul' || tag === 'ol') {
      flush();
      const lines: string[] = [];
      renderList(node, 0, lines);
      builder.add('list', lines.join('\n'));
      return;
    }
    if (tag === 'pre') {
      flush();
      builder.add('code', node.textContent ?? '');
      return;
    }
    if (tag === 'table') {
      flush();
      const rows = tableRows(node);
      if (isLayoutTable(node, rows)) {
        children(node).forEach(visit);
        flush();
        return;
      }
      const cells = rows.map((r) => children(r).filter((c) => ['td', 'th'].includes(tagOf(c))).map(textOf));
      builder.add('table', renderTable(cells));
      return;
    }
    if (tag === 'br') {
      inline += ' ';
      return;
    }
    if (BLOCK.has(tag)) {
      flush();
      children(node).forEach(visit);
      flush();
      return;
    }
    children(node).forEach(visit);
  };
  visit(root);
  flush();
}
