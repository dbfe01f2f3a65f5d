/**
 * HTML -> blocks. Boilerplate goes first by meaning (nav, page header/footer, aside, cookie and consent banners,
 * dialogs), then Readability picks the article; when it finds nothing, or only a sliver of what is left, the
 * cleaned body is used instead: losing a help article's content is worse than keeping a stray link list.
 */
import { Readability } from '@mozilla/readability';
import { BlockBuilder, normalizeSpace, titleFromFilename } from './blocks.js';
import { decodeTextOrThrow } from './detect.js';
import { parseHtmlDocument, textOf, walkHtml, type DomDocument, type DomNode } from './html-blocks.js';
import type { ParsedDocument } from '../types.js';

const LEVEL_ATTRIBUTE = 'data-frontline-level';

/** Boilerplate by element or role, wherever it is. */
const BOILERPLATE_SELECTORS = [
  'script', 'style', 'noscript', 'template', 'iframe', 'svg', 'nav', 'aside', 'dialog',
  '[role="navigation"]', '[role="banner"]', '[role="contentinfo"]', '[role="complementary"]', '[role="dialog"]',
  '[role="alertdialog"]', '[role="search"]', '[aria-hidden="true"]', '[hidden]',
];
/** Cookie/consent banners and popups rarely have semantics, only names. */
const BOILERPLATE_NAME = /(^|[\s_-])(cookie|cookies|consent|gdpr|onetrust|cookiebot|newsletter|popup|modal|skip-?link|breadcrumbs?|share|social)([\s_-]|$)/i;
/** Readability's text under this share of the cleaned body's means it picked a fragment. */
const MIN_ARTICLE_SHARE = 0.3;
const READABILITY_MAX_CHARS = 1_000_000;

function removeBoilerplate(document: DomDocument): void {
  for (const node of Array.from(document.querySelectorAll(BOILERPLATE_SELECTORS.join(',')))) node.remove?.();
  // Page header and footer, but not an article's own <header> with its title.
  for (const node of Array.from(document.querySelectorAll('header, footer'))) {
    if (!node.closest?.('article, main, [role="main"]')) node.remove?.();
  }
  for (const node of Array.from(document.querySelectorAll('[id], [class]'))) {
    const name = `${node.getAttribute?.('id') ?? ''} ${node.getAttribute?.('class') ?? ''}`;
    if (BOILERPLATE_NAME.test(name) && isSmallAside(node)) node.remove?.();
  }
}

const tagName = (node: DomNode) => node.nodeName.toLowerCase();

/** A banner is short and holds no page content; an article that merely has "cookie" in its class is neither. */
function isSmallAside(node: DomNode): boolean {
  if (['html', 'body', 'main', 'article'].includes(tagName(node))) return false;
  if ((node.querySelectorAll?.('main, article, h1').length ?? 0) > 0) return false;
  return normalizeSpace(textOf(node)).length < 1500;
}

function cleanedDocument(html: string): DomDocument {
  const document = parseHtmlDocument(html);
  removeBoilerplate(document);
  // Readability renames h1 to h2; the original level travels in an attribute.
  for (const h of Array.from(document.querySelectorAll('h1, h2, h3, h4, h5, h6'))) {
    h.setAttribute?.(LEVEL_ATTRIBUTE, tagName(h).slice(1));
  }
  return document;
}

const textLength = (node: DomNode | null) => (node ? normalizeSpace(textOf(node)).length : 0);

/** The part of the page to read: Readability's article, or the cleaned body. */
function mainContent(html: string): { root: DomNode | null; extractor: 'readability' | 'body'; titleTag?: string; lang?: string } {
  const fallback = cleanedDocument(html);
  const bodyLength = textLength(fallback.body);
  let article: ReturnType<Readability['parse']> = null;
  // Readability over linkedom reads ~250 KB a second; a page this large is an export, not an article with chrome.
  if (html.length > READABILITY_MAX_CHARS) return { root: fallback.body, extractor: 'body', titleTag: fallback.title };
  try {
    // Readability rewrites the document it is given, so it gets its own copy.
    article = new Readability(cleanedDocument(html) as never, { charThreshold: 200 }).parse();
  } catch {
    article = null;
  }
  if (article?.content) {
    const root = parseHtmlDocument(article.content).body;
    const length = textLength(root);
    if (length > 0 && length >= bodyLength * MIN_ARTICLE_SHARE) {
      return { root, extractor: 'readability', titleTag: fallback.title, lang: article.lang ?? undefined };
    }
  }
  return { root: fallback.body, extractor: 'body', titleTag: fallback.title };
}

/** A heading that opens the page names it; one further down names only its section. */
const openingHeading = (builder: BlockBuilder) => (builder.blocks[0]?.kind === 'heading' ? builder.blocks[0].text : undefined);

/** Parses an HTML string (also used for the API's JSON uploads with format "html"). */
export function parseHtmlText(html: string, filename: string): ParsedDocument {
  const { root, extractor, titleTag: rawTitle, lang } = mainContent(html);
  const builder = new BlockBuilder();
  if (root) walkHtml(root, builder, { levelAttribute: LEVEL_ATTRIBUTE });
  const titleTag = normalizeSpace(rawTitle ?? '');
  return {
    title: builder.firstHeading(1) ?? (titleTag || openingHeading(builder)) ?? titleFromFilename(filename),
    format: 'html',
    blocks: builder.blocks,
    metadata: { extractor, ...(titleTag ? { htmlTitle: titleTag } : {}), ...(lang ? { lang } : {}) },
  };
}

export async function parseHtml(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  return parseHtmlText(decodeTextOrThrow(buffer, filename), filename);
}
