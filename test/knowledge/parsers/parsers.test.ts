/**
 * Parsers and upload inspection against real files built by the libraries that make them (see fixtures.ts):
 * structure for citations on the good ones, the right code and status on the bad ones.
 */
import { describe, expect, it } from 'vitest';
import { loadSettings } from '../../../src/config/index.js';
import { AppError } from '../../../src/errors.js';
import { parseDocument, parseTextContent } from '../../../src/knowledge/parsers/index.js';
import type { DocumentBlock, ParsedDocument } from '../../../src/knowledge/types.js';
import { inspectUpload, readUpload } from '../../../src/knowledge/upload/index.js';
import * as fixtures from './fixtures.js';

const withHtml = loadSettings({}).files;
// The seed's list, without .html, to show the list is enforced.
const files = { ...withHtml, allowedTypes: withHtml.allowedTypes.filter((ext) => ext !== '.html') };

const blockWith = (doc: ParsedDocument, text: string): DocumentBlock => {
  const block = doc.blocks.find((b) => b.text.includes(text));
  if (!block) throw new Error(`no block contains "${text}" in ${JSON.stringify(doc.blocks.map((b) => b.text))}`);
  return block;
};
const allText = (doc: ParsedDocument) => doc.blocks.map((b) => b.text).join('\n');

async function refusal(promise: Promise<unknown>): Promise<AppError> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'expected the file to be refused').toBeInstanceOf(AppError);
  return error as AppError;
}

describe('parsing good files', () => {
  it('PDF: metadata title, headings from font sizes, and each page its own page number', async () => {
    const doc = await parseDocument(await fixtures.twoPagePdf(), 'policy.pdf');
    expect(doc).toMatchObject({ title: 'Refund and Shipping Policy', format: 'pdf', metadata: { pages: 2 } });
    expect(blockWith(doc, 'refund within 30 days').location).toEqual({ page: 1, sectionPath: ['Refunds'] });
    expect(blockWith(doc, 'Parcels are dispatched').location).toEqual({ page: 2, sectionPath: ['Shipping'] });
    expect(blockWith(doc, 'Shipping')).toMatchObject({ kind: 'heading', level: 1, location: { page: 2 } });
    // Lines of one paragraph are joined in reading order.
    expect(blockWith(doc, 'Parcels').text).toBe(
      'Parcels are dispatched within two business days by tracked courier. International delivery takes between seven and ten days.',
    );
  });

  it('PDF: running headers and page-number footers repeated on every page are dropped', async () => {
    const doc = await parseDocument(await fixtures.pdfWithRunningHeaders(), 'disputes.pdf');
    expect(doc.blocks.map((b) => [b.location.page, b.text])).toEqual([1, 2, 3].map((n) => [n, `Chapter ${n} explains the card dispute process in detail.`]));
  });

  it('PDF with an owner password only (restrictions, no open password) is read', async () => {
    const doc = await parseDocument(fixtures.encryptedPdf(''), 'restricted.pdf');
    expect(doc.title).toBe('Protected Rates');
    expect(blockWith(doc, 'Confidential rates apply from March.').location.page).toBe(1);
  });

  it('DOCX: Word title, H1/H2 section paths, inline formatting merged, table kept as rows', async () => {
    const doc = await parseDocument(await fixtures.docxWithHeadingsAndTable(), 'handbook.docx');
    expect(doc).toMatchObject({ title: 'Employee Travel Handbook', format: 'docx' });
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => [b.level, b.text])).toEqual([
      [1, 'Booking travel'],
      [2, 'Hotels'],
      [1, 'Expenses'],
    ]);
    expect(blockWith(doc, 'travel portal').text).toBe('Book flights through the travel portal at least fourteen days ahead.');
    const table = blockWith(doc, 'London');
    expect(table.kind).toBe('table');
    expect(table.text).toBe('| City | Nightly cap |\n| --- | --- |\n| London | 220 GBP |\n| Berlin | 160 EUR |');
    expect(table.location.sectionPath).toEqual(['Booking travel', 'Hotels']);
    expect(blockWith(doc, 'receipts').location.sectionPath).toEqual(['Expenses']);
  });

  it('XLSX: one section per visible sheet, formula results, row ranges split at empty rows', async () => {
    const doc = await parseDocument(await fixtures.xlsxTwoSheets(), 'fees.xlsx');
    expect(doc).toMatchObject({ title: 'Fees and Limits', format: 'xlsx', metadata: { hiddenSheets: ['Internal'] } });
    expect(doc.blocks.filter((b) => b.kind === 'heading').map((b) => b.text)).toEqual(['Fees', 'Limits']);
    const fees = blockWith(doc, 'Wire transfer');
    expect(fees.location).toEqual({ sheet: 'Fees', rowStart: 2, rowEnd: 4, sectionPath: ['Fees'] });
    expect(fees.text.split('\n')).toEqual([
      '| Service | Fee | Notes |',
      '| --- | --- | --- |',
      '| Wire transfer | 25 | per transfer |',
      '| Card replacement | 10 | free for Gold accounts |',
      '| Overdraft | 35 | per day |',
    ]);
    expect(blockWith(doc, 'Blue Account').location).toMatchObject({ sheet: 'Limits', rowStart: 2, rowEnd: 3 });
    const platinum = blockWith(doc, 'Platinum');
    expect(platinum.location).toMatchObject({ sheet: 'Limits', rowStart: 5, rowEnd: 5 });
    expect(platinum.text.split('\n')[0]).toBe('| Account | Daily ATM limit |');
    expect(allText(doc)).not.toContain('Secret margin');
  });

  it('CSV: header repeated per run of rows, quoted delimiters kept, title from the file name', async () => {
    const doc = await parseDocument(fixtures.csvFile(), 'card_faq.csv');
    expect(doc).toMatchObject({ title: 'card faq', format: 'csv', metadata: { delimiter: ',', rows: 3 } });
    const first = blockWith(doc, 'reset my PIN');
    expect(first.location).toMatchObject({ rowStart: 2, rowEnd: 3 });
    expect(first.text).toContain('| How do I reset my PIN? | Go to Settings, then Security, then Reset PIN. |');
    expect(blockWith(doc, 'daily limit').location).toMatchObject({ rowStart: 5, rowEnd: 5 });
  });

  it('CSV: semicolon-separated files from European Excel are split on semicolons', async () => {
    const doc = await parseDocument(Buffer.from('Produkt;Preis\nKonto;5,00 EUR\n'), 'preise.csv');
    expect(doc.blocks[0]!.text).toBe('| Produkt | Preis |\n| --- | --- |\n| Konto | 5,00 EUR |');
  });

  it('HTML: navigation, header, footer, aside, cookie banner and scripts removed; h1-h6 kept', async () => {
    const doc = await parseDocument(fixtures.htmlWithBoilerplate(), 'refunds.html');
    expect(doc).toMatchObject({ title: 'Refund policy', format: 'html', metadata: { htmlTitle: 'Refunds | Acme Help Centre' } });
    const text = allText(doc);
    for (const boilerplate of ['cookies', 'summer sale', 'Pricing', 'Copyright', 'Related articles', 'tracking', 'color: red']) {
      expect(text).not.toContain(boilerplate);
    }
    expect(blockWith(doc, 'Card refunds are processed').location.sectionPath).toEqual(['Refund policy', 'Card payments']);
    expect(blockWith(doc, 'Premium')).toMatchObject({ kind: 'table', text: expect.stringContaining('| Premium | 60 days |') });
    expect(blockWith(doc, 'IBAN')).toMatchObject({ kind: 'list', text: '- Send us your IBAN\n- Wait three business days' });
  });

  it('HTML without article markup falls back to the page body, still without its navigation', () => {
    const doc = parseTextContent('<nav>Home Shop</nav><div><h2>Opening hours</h2><ul><li>Mon-Fri 9-17</li></ul></div>', 'html', 'hours.html');
    expect(doc.title).toBe('Opening hours');
    expect(allText(doc)).toBe('Opening hours\n- Mon-Fri 9-17');
  });

  it('Markdown: headings, nested lists, tables and code, with inline markup reduced to text', async () => {
    const doc = await parseDocument(fixtures.markdownFile(), 'closure.md');
    expect(doc).toMatchObject({ title: 'Account Closure', format: 'markdown' });
    expect(blockWith(doc, 'balance must be zero')).toMatchObject({
      kind: 'list',
      text: '- The balance must be zero\n- No pending transactions\n  - Card payments count as pending\n- Status is OPEN',
      location: { sectionPath: ['Account Closure', 'Requirements'] },
    });
    expect(blockWith(doc, 'Bronze')).toMatchObject({ kind: 'table', location: { sectionPath: ['Account Closure', 'Fees'] } });
    expect(blockWith(doc, 'close_account --id')).toMatchObject({ kind: 'code', location: { sectionPath: ['Account Closure', 'Fees', 'Example'] } });
    expect(blockWith(doc, 'to finish').text).toBe('Use close_bank_account to finish.');
  });

  it('Markdown front matter title wins; plain text reads capitalised lines as headings', async () => {
    const md = await parseDocument(Buffer.from('---\ntitle: "Card Limits"\n---\n## Daily\n\nFive hundred.\n'), 'x.md');
    expect(md.title).toBe('Card Limits');
    const txt = await parseDocument(Buffer.from('OPENING HOURS\n\nWe open at nine.\nWe close at five.\n'), 'hours.txt');
    expect(txt.title).toBe('OPENING HOURS');
    expect(blockWith(txt, 'nine')).toMatchObject({ kind: 'paragraph', text: 'We open at nine. We close at five.', location: { sectionPath: ['OPENING HOURS'] } });
  });

  it('decides the format by content: a PDF without an extension, HTML declared by MIME type', async () => {
    expect((await parseDocument(await fixtures.twoPagePdf(), 'download')).format).toBe('pdf');
    expect((await parseDocument(fixtures.htmlWithBoilerplate(), 'page', 'text/html; charset=utf-8')).format).toBe('html');
    // Text that merely mentions a PDF header near its top is still text.
    const notes = Buffer.from('# PDF notes\n\nA PDF starts with %PDF-1.7 and ends with %%EOF.\n');
    expect(await inspectUpload({ buffer: notes, filename: 'notes.md' }, files)).toMatchObject({ format: 'markdown' });
  });
});

describe('upload inspection', () => {
  it('accepts each good file as its format, with proven archive sizes for DOCX/XLSX', async () => {
    const cases: [string, Buffer, string][] = [
      ['policy.pdf', await fixtures.twoPagePdf(), 'pdf'],
      ['handbook.docx', await fixtures.docxWithHeadingsAndTable(), 'docx'],
      ['fees.xlsx', await fixtures.xlsxTwoSheets(), 'xlsx'],
      ['faq.csv', fixtures.csvFile(), 'csv'],
      ['closure.md', fixtures.markdownFile(), 'markdown'],
    ];
    for (const [filename, buffer, format] of cases) {
      const inspected = await inspectUpload({ buffer, filename }, files);
      expect(inspected).toMatchObject({ format, size: buffer.length });
      if (format === 'docx' || format === 'xlsx') expect(inspected.archive!.uncompressedBytes).toBeGreaterThan(buffer.length);
    }
  });

  it('accepts .html and .htm only when ALLOWED_FILE_TYPES lists .html', async () => {
    const error = await refusal(inspectUpload({ buffer: fixtures.htmlWithBoilerplate(), filename: 'page.html' }, files));
    expect(error).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', statusCode: 415 });
    expect(error.message).toContain('ALLOWED_FILE_TYPES');
    expect(await inspectUpload({ buffer: fixtures.htmlWithBoilerplate(), filename: 'page.htm' }, withHtml)).toMatchObject({ format: 'html' });
  });

  it('readUpload inspects then parses', async () => {
    const { upload, document } = await readUpload({ buffer: await fixtures.docxWithHeadingsAndTable(), filename: 'handbook.docx' }, files);
    expect(upload.format).toBe('docx');
    expect(document.title).toBe('Employee Travel Handbook');
  });

  const bad: { name: string; filename: string; make: () => Buffer | Promise<Buffer>; code: string; status: number; says: RegExp }[] = [
    { name: 'an empty file', filename: 'empty.txt', make: () => Buffer.alloc(0), code: 'EMPTY_FILE', status: 400, says: /is empty/ },
    { name: 'an encrypted PDF', filename: 'locked.pdf', make: () => fixtures.encryptedPdf('secret'), code: 'ENCRYPTED_FILE', status: 422, says: /password-protected/ },
    { name: 'a truncated PDF', filename: 'cut.pdf', make: fixtures.truncatedPdf, code: 'MALFORMED_FILE', status: 422, says: /incomplete/ },
    { name: 'a 300 MB zip bomb named .docx', filename: 'bomb.docx', make: () => fixtures.zipBombDocx(), code: 'ARCHIVE_TOO_LARGE', status: 413, says: /more than 200 MB/ },
    { name: 'a zip bomb that lies about its size', filename: 'liar.docx', make: () => fixtures.zipBombDocx({ lying: true }), code: 'ARCHIVE_TOO_LARGE', status: 413, says: /more data than its header declares/ },
    { name: 'a zip bomb under the size cap but 1000x compressed', filename: 'dense.xlsx', make: () => fixtures.zipBombDocx({ megabytes: 100 }), code: 'ARCHIVE_TOO_LARGE', status: 413, says: /expands \d+ times/ },
    { name: 'a password-protected .docx', filename: 'salaries.docx', make: fixtures.passwordProtectedDocx, code: 'ENCRYPTED_FILE', status: 422, says: /remove the password/ },
    { name: 'a legacy .doc', filename: 'manual.doc', make: () => fixtures.legacyDoc(), code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /save it as \.docx or PDF/ },
    { name: 'OLE2 bytes named .docx', filename: 'manual.docx', make: () => fixtures.legacyDoc(), code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /legacy Microsoft Office/ },
    { name: 'a PNG renamed .pdf', filename: 'scan.pdf', make: fixtures.png, code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /content is a PNG image/ },
    { name: 'a ZIP renamed .pdf', filename: 'report.pdf', make: fixtures.plainZip, code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /content is a ZIP archive/ },
    { name: 'a workbook renamed .docx', filename: 'report.docx', make: fixtures.xlsxTwoSheets, code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /content is an Excel workbook/ },
    { name: 'binary data renamed .txt', filename: 'notes.txt', make: () => fixtures.binaryNoise(), code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /should be text/ },
    { name: 'a type not in ALLOWED_FILE_TYPES', filename: 'setup.exe', make: () => fixtures.binaryNoise(), code: 'UNSUPPORTED_FILE_TYPE', status: 415, says: /\.exe files are not accepted/ },
    { name: 'a file over MAX_FILE_SIZE', filename: 'huge.txt', make: () => Buffer.alloc(files.maxFileSize + 1, 'a'), code: 'FILE_TOO_LARGE', status: 413, says: /MAX_FILE_SIZE/ },
  ];
  for (const c of bad) {
    it(`refuses ${c.name} with ${c.status} ${c.code}`, async () => {
      const error = await refusal(inspectUpload({ buffer: await c.make(), filename: c.filename }, files));
      expect({ code: error.code, status: error.statusCode }).toEqual({ code: c.code, status: c.status });
      expect(error.message).toMatch(c.says);
      expect(error.message).toContain(c.filename);
    });
  }

  it('refuses what only parsing can find: no text (scanned PDF), a broken document part', async () => {
    const scanned = await refusal(readUpload({ buffer: await fixtures.scannedPdf(), filename: 'scan.pdf' }, files));
    expect(scanned).toMatchObject({ code: 'NO_TEXT_CONTENT', statusCode: 422 });
    expect(scanned.message).toMatch(/OCR/);
    const broken = await refusal(readUpload({ buffer: fixtures.docxWithBrokenXml(), filename: 'broken.docx' }, files));
    expect(broken).toMatchObject({ code: 'MALFORMED_FILE', statusCode: 422 });
  });

  it('parseDocument alone applies the same archive, encryption and text checks', async () => {
    expect(await refusal(parseDocument(fixtures.zipBombDocx(), 'bomb.docx'))).toMatchObject({ code: 'ARCHIVE_TOO_LARGE' });
    expect(await refusal(parseDocument(fixtures.encryptedPdf('secret'), 'locked.pdf'))).toMatchObject({ code: 'ENCRYPTED_FILE' });
    expect(await refusal(parseDocument(fixtures.legacyDoc(), 'old.doc'))).toMatchObject({ code: 'UNSUPPORTED_FILE_TYPE', statusCode: 415 });
    expect(await refusal(parseDocument(Buffer.from('   \n\n  '), 'blank.md'))).toMatchObject({ code: 'NO_TEXT_CONTENT' });
  });
});
