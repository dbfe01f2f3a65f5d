/**
 * DOCX -> blocks through mammoth's semantic HTML (headings from Word's heading styles, lists, tables), walked by
 * the same code as HTML pages. Word's "Title" paragraph becomes the document title rather than a section.
 * Images are not read at all. Only call this on an archive that passed the upload's archive checks: mammoth
 * inflates entries in memory.
 */
import mammoth from 'mammoth';
import { BlockBuilder, normalizeSpace, titleFromFilename } from './blocks.js';
import { parseHtmlDocument, textOf, walkHtml } from './html-blocks.js';
import type { ParsedDocument } from '../types.js';

const STYLE_MAP = [
  "p[style-name='Title'] => p.frontline-doc-title:fresh",
  "p[style-name='Subtitle'] => p:fresh",
];

export async function parseDocx(buffer: Buffer, filename: string): Promise<ParsedDocument> {
  const result = await mammoth.convertToHtml(
    { buffer },
    {
      styleMap: STYLE_MAP,
      // Skip image bytes entirely: nothing downstream reads them.
      convertImage: mammoth.images.imgElement(async () => ({ src: '' })),
      externalFileAccess: false,
    },
  );
  const document = parseHtmlDocument(result.value);
  let title = '';
  for (const node of Array.from(document.querySelectorAll('p.frontline-doc-title'))) {
    title ||= normalizeSpace(textOf(node));
    node.remove?.();
  }
  const builder = new BlockBuilder();
  if (document.body) walkHtml(document.body, builder);
  return {
    title: title || builder.firstHeading(1) || titleFromFilename(filename),
    format: 'docx',
    blocks: builder.blocks,
    metadata: { warnings: result.messages.filter((m) => m.type === 'warning').length },
  };
}
