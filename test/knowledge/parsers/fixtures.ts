/**
 * Real files built in memory by the libraries that make them in the wild (pdf-lib, docx, exceljs), plus the
 * hostile and broken ones an upload endpoint meets: an encrypted PDF (RC4, built by hand as pdf-lib cannot
 * encrypt), a truncated PDF, zip bombs dressed as DOCX, a legacy .doc, a PNG named .pdf, binary named .txt.
 */
import { createHash } from 'node:crypto';
import zlib from 'node:zlib';
import { Document, HeadingLevel, Packer, Paragraph, Table, TableCell, TableRow, TextRun } from 'docx';
import ExcelJS from 'exceljs';
import { PDFDocument, StandardFonts } from 'pdf-lib';

// ---------------------------------------------------------------- good files

export async function twoPagePdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.setTitle('Refund and Shipping Policy');
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  const bold = await pdf.embedFont(StandardFonts.HelveticaBold);
  const pages = [
    { heading: 'Refunds', lines: ['Customers can request a refund within 30 days of purchase.', 'Refunds go back to the original card within five business days.'] },
    { heading: 'Shipping', lines: ['Parcels are dispatched within two business days by tracked courier.', 'International delivery takes between seven and ten days.'] },
  ];
  for (const { heading, lines } of pages) {
    const page = pdf.addPage([612, 792]);
    page.drawText(heading, { x: 72, y: 700, size: 20, font: bold });
    lines.forEach((line, i) => page.drawText(line, { x: 72, y: 660 - i * 16, size: 12, font }));
  }
  return Buffer.from(await pdf.save());
}

/** Three pages, each with the running header and page-number footer office software adds. */
export async function pdfWithRunningHeaders(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  const font = await pdf.embedFont(StandardFonts.Helvetica);
  for (let n = 1; n <= 3; n++) {
    const page = pdf.addPage([612, 792]);
    page.drawText('Acme Bank - internal use only', { x: 72, y: 750, size: 9, font });
    page.drawText(`Chapter ${n} explains the card dispute process in detail.`, { x: 72, y: 600, size: 12, font });
    page.drawText(`Page ${n} of 3`, { x: 280, y: 40, size: 9, font });
  }
  return Buffer.from(await pdf.save());
}

/** A page with a drawing and no text: what a scanner produces, as far as text extraction can tell. */
export async function scannedPdf(): Promise<Buffer> {
  const pdf = await PDFDocument.create();
  pdf.addPage([612, 792]).drawRectangle({ x: 72, y: 72, width: 300, height: 400 });
  return Buffer.from(await pdf.save());
}

export async function docxWithHeadingsAndTable(): Promise<Buffer> {
  const cell = (text: string) => new TableCell({ children: [new Paragraph(text)] });
  const doc = new Document({
    sections: [
      {
        children: [
          new Paragraph({ text: 'Employee Travel Handbook', heading: HeadingLevel.TITLE }),
          new Paragraph({ text: 'Booking travel', heading: HeadingLevel.HEADING_1 }),
          new Paragraph({ children: [new TextRun('Book flights through the travel portal at least '), new TextRun({ text: 'fourteen days', bold: true }), new TextRun(' ahead.')] }),
          new Paragraph({ text: 'Hotels', heading: HeadingLevel.HEADING_2 }),
          new Paragraph('Hotel rates are capped per city as shown below.'),
          new Table({
            rows: [
              new TableRow({ children: [cell('City'), cell('Nightly cap')] }),
              new TableRow({ children: [cell('London'), cell('220 GBP')] }),
              new TableRow({ children: [cell('Berlin'), cell('160 EUR')] }),
            ],
          }),
          new Paragraph({ text: 'Expenses', heading: HeadingLevel.HEADING_1 }),
          new Paragraph('Submit receipts within thirty days of returning.'),
        ],
      },
    ],
  });
  return Packer.toBuffer(doc);
}

export async function xlsxTwoSheets(): Promise<Buffer> {
  const workbook = new ExcelJS.Workbook();
  workbook.title = 'Fees and Limits';
  const fees = workbook.addWorksheet('Fees');
  fees.addRow(['Service', 'Fee', 'Notes']);
  fees.addRow(['Wire transfer', 25, 'per transfer']);
  fees.addRow(['Card replacement', 10, 'free for Gold accounts']);
  fees.addRow(['Overdraft', { formula: 'B2+10', result: 35 }, 'per day']);
  const limits = workbook.addWorksheet('Limits');
  limits.addRow(['Account', 'Daily ATM limit']);
  limits.addRow(['Blue Account', 500]);
  limits.addRow(['Green Account', 1000]);
  limits.addRow([]);
  limits.addRow(['Platinum Account', 5000]);
  const hidden = workbook.addWorksheet('Internal');
  hidden.state = 'hidden';
  hidden.addRow(['Secret margin', '42%']);
  return Buffer.from(await workbook.xlsx.writeBuffer());
}

export function csvFile(): Buffer {
  return Buffer.from(
    'Question,Answer\n' +
      'How do I reset my PIN?,"Go to Settings, then Security, then Reset PIN."\n' +
      'Can I freeze my card?,Yes: tap Freeze card in the app.\n' +
      '\n' +
      'What is the daily limit?,500 dollars for Blue accounts.\n',
  );
}

export function htmlWithBoilerplate(): Buffer {
  return Buffer.from(`<!doctype html>
<html lang="en"><head><title>Refunds | Acme Help Centre</title><style>body { color: red }</style></head>
<body>
  <header class="site-header"><a href="/">Acme</a> <a href="/pricing">Pricing</a> Log in</header>
  <nav><ul><li><a href="/">Home</a></li><li><a href="/shop">Shop the summer sale</a></li></ul></nav>
  <div id="cookie-banner" class="cookie-consent">We use cookies to improve your experience. <button>Accept all cookies</button></div>
  <main>
    <article>
      <h1>Refund policy</h1>
      <p>You can ask for a refund within 30 days of purchase. Refunds go back to the original card within five business days.</p>
      <h2>Card payments</h2>
      <p>Card refunds are processed by our payment provider and may take up to ten days to appear on your statement.</p>
      <table><tr><th>Plan</th><th>Refund window</th></tr><tr><td>Basic</td><td>14 days</td></tr><tr><td>Premium</td><td>60 days</td></tr></table>
      <h2>Bank transfers</h2>
      <ul><li>Send us your IBAN</li><li>Wait three business days</li></ul>
    </article>
  </main>
  <aside>Related articles: Shipping times</aside>
  <footer>Copyright 2024 Acme Inc. Privacy Terms</footer>
  <script>window.tracking = true;</script>
</body></html>`);
}

export function markdownFile(): Buffer {
  return Buffer.from(`# Account Closure

Closing an account is permanent.

## Requirements

- The balance must be zero
- No pending transactions
  - Card payments count as pending
- Status is OPEN

## Fees

| Tier | Early closure fee | Notice |
| --- | --- | --- |
| Bronze | $20 | 1 day |
| Gold | $75 | 10 days |

### Example

\`\`\`
close_account --id 123
\`\`\`

Use **close_bank_account** to finish.
`);
}

// ---------------------------------------------------------------- broken and hostile files

const MB = 1024 * 1024;

const PDF_PAD = Buffer.from('28BF4E5E4E758A4164004E56FFFA01082E2E00B6D0683E802F0CA9FE6453697A', 'hex');
const md5 = (...parts: Buffer[]) => createHash('md5').update(Buffer.concat(parts)).digest();

function rc4(key: Buffer, data: Buffer): Buffer {
  const s = Array.from({ length: 256 }, (_, i) => i);
  for (let i = 0, j = 0; i < 256; i++) {
    j = (j + s[i]! + key[i % key.length]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
  }
  const out = Buffer.alloc(data.length);
  for (let k = 0, i = 0, j = 0; k < data.length; k++) {
    i = (i + 1) & 255;
    j = (j + s[i]!) & 255;
    [s[i], s[j]] = [s[j]!, s[i]!];
    out[k] = data[k]! ^ s[(s[i]! + s[j]!) & 255]!;
  }
  return out;
}

/**
 * A one-page PDF encrypted with the standard security handler (revision 2, RC4 40-bit), built by hand.
 * With a user password, readers must ask for it; with an empty one (owner password only), they open it.
 */
export function encryptedPdf(userPassword: string, text = 'Confidential rates apply from March.'): Buffer {
  const pad = (pw: string) => Buffer.concat([Buffer.from(pw, 'latin1'), PDF_PAD]).subarray(0, 32);
  const owner = rc4(md5(pad('owner-secret')).subarray(0, 5), pad(userPassword));
  const permissions = Buffer.alloc(4);
  permissions.writeInt32LE(-44);
  const id = Buffer.from('0123456789abcdef0123456789abcdef', 'hex');
  const key = md5(pad(userPassword), owner, permissions, id).subarray(0, 5);
  const user = rc4(key, PDF_PAD);
  const objectKey = (n: number) => md5(key, Buffer.from([n & 255, (n >> 8) & 255, (n >> 16) & 255, 0, 0])).subarray(0, 10);
  const content = rc4(objectKey(4), Buffer.from(`BT /F1 18 Tf 72 700 Td (${text}) Tj ET`, 'latin1'));
  const title = rc4(objectKey(7), Buffer.from('Protected Rates', 'latin1'));
  const objects: Buffer[] = [
    Buffer.from('<< /Type /Catalog /Pages 2 0 R >>'),
    Buffer.from('<< /Type /Pages /Kids [3 0 R] /Count 1 >>'),
    Buffer.from('<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Resources << /Font << /F1 5 0 R >> >> /Contents 4 0 R >>'),
    Buffer.concat([Buffer.from(`<< /Length ${content.length} >>\nstream\n`), content, Buffer.from('\nendstream')]),
    Buffer.from('<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>'),
    Buffer.from(`<< /Filter /Standard /V 1 /R 2 /O <${owner.toString('hex')}> /U <${user.toString('hex')}> /P -44 >>`),
    Buffer.from(`<< /Title <${title.toString('hex')}> >>`),
  ];
  const parts: Buffer[] = [Buffer.from('%PDF-1.4\n%\xe2\xe3\xcf\xd3\n', 'latin1')];
  let offset = parts[0]!.length;
  const offsets: number[] = [];
  objects.forEach((body, i) => {
    const chunk = Buffer.concat([Buffer.from(`${i + 1} 0 obj\n`), body, Buffer.from('\nendobj\n')]);
    offsets.push(offset);
    offset += chunk.length;
    parts.push(chunk);
  });
  const xref =
    `xref\n0 ${objects.length + 1}\n0000000000 65535 f \n` +
    offsets.map((o) => `${String(o).padStart(10, '0')} 00000 n \n`).join('') +
    `trailer\n<< /Size ${objects.length + 1} /Root 1 0 R /Encrypt 6 0 R /Info 7 0 R /ID [<${id.toString('hex')}> <${id.toString('hex')}>] >>\n` +
    `startxref\n${offset}\n%%EOF\n`;
  parts.push(Buffer.from(xref));
  return Buffer.concat(parts);
}

export async function truncatedPdf(): Promise<Buffer> {
  const whole = await twoPagePdf();
  return whole.subarray(0, Math.floor(whole.length * 0.6));
}

interface ZipEntry {
  name: string;
  /** 0 stored, 8 deflated. */
  method: 0 | 8;
  data: Buffer;
  crc: number;
  /** The uncompressed size written in the headers: a liar writes less than the truth. */
  size: number;
}

/** A ZIP container written byte by byte (local headers, central directory, end record). */
export function zipArchive(entries: ZipEntry[]): Buffer {
  const locals: Buffer[] = [];
  const centrals: Buffer[] = [];
  let offset = 0;
  for (const e of entries) {
    const name = Buffer.from(e.name);
    const local = Buffer.alloc(30);
    local.writeUInt32LE(0x04034b50, 0);
    local.writeUInt16LE(20, 4);
    local.writeUInt16LE(e.method, 8);
    local.writeUInt16LE(0x21, 12);
    local.writeUInt32LE(e.crc >>> 0, 14);
    local.writeUInt32LE(e.data.length, 18);
    local.writeUInt32LE(e.size, 22);
    local.writeUInt16LE(name.length, 26);
    const central = Buffer.alloc(46);
    central.writeUInt32LE(0x02014b50, 0);
    central.writeUInt16LE(20, 4);
    central.writeUInt16LE(20, 6);
    central.writeUInt16LE(e.method, 10);
    central.writeUInt16LE(0x21, 14);
    central.writeUInt32LE(e.crc >>> 0, 16);
    central.writeUInt32LE(e.data.length, 20);
    central.writeUInt32LE(e.size, 24);
    central.writeUInt16LE(name.length, 28);
    central.writeUInt32LE(offset, 42);
    locals.push(local, name, e.data);
    centrals.push(central, name);
    offset += local.length + name.length + e.data.length;
  }
  const directory = Buffer.concat(centrals);
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(entries.length, 8);
  end.writeUInt16LE(entries.length, 10);
  end.writeUInt32LE(directory.length, 12);
  end.writeUInt32LE(offset, 16);
  return Buffer.concat([...locals, directory, end]);
}

export function storedEntry(name: string, text: string): ZipEntry {
  const data = Buffer.from(text);
  return { name, method: 0, data, crc: zlib.crc32(data), size: data.length };
}

const bombs = new Map<number, { data: Buffer; crc: number }>();

/**
 * `megabytes` of zeros as a raw deflate stream about 1000 times smaller, without deflating them all: one
 * full-flushed block of 1 MB of zeros is self-contained (byte-aligned, no back-references into earlier blocks),
 * so copies of it followed by an empty final block are a valid stream of the whole.
 */
function deflatedZeros(megabytes: number): { data: Buffer; crc: number } {
  let bomb = bombs.get(megabytes);
  if (!bomb) {
    const block = Buffer.alloc(MB);
    const flushed = zlib.deflateRawSync(block, { level: 9, finishFlush: zlib.constants.Z_FULL_FLUSH });
    let crc = 0;
    for (let i = 0; i < megabytes; i++) crc = zlib.crc32(block, crc);
    const finalEmptyBlock = Buffer.from([0x03, 0x00]);
    bomb = { data: Buffer.concat([...Array<Buffer>(megabytes).fill(flushed), finalEmptyBlock]), crc };
    bombs.set(megabytes, bomb);
  }
  return bomb;
}

const DOCX_CONTENT_TYPES =
  '<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">' +
  '<Override PartName="/word/document.xml" ContentType="application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml"/></Types>';

/**
 * A DOCX-looking zip whose word/document.xml inflates to `megabytes` of zeros (300 MB: ~300 KB on disk).
 * `lying` declares 1 MB instead, so only inflating, with a cap, can tell.
 */
export function zipBombDocx({ megabytes = 300, lying = false }: { megabytes?: number; lying?: boolean } = {}): Buffer {
  const { data, crc } = deflatedZeros(megabytes);
  return zipArchive([
    storedEntry('[Content_Types].xml', DOCX_CONTENT_TYPES),
    { name: 'word/document.xml', method: 8, data, crc, size: lying ? MB : megabytes * MB },
  ]);
}

/** A DOCX container that is a valid zip but whose document part is not XML: the parser itself fails. */
export function docxWithBrokenXml(): Buffer {
  return zipArchive([storedEntry('[Content_Types].xml', DOCX_CONTENT_TYPES), storedEntry('word/document.xml', '<w:document><w:body><w:p>')]);
}

/** A plain ZIP archive (not an Office file). */
export function plainZip(): Buffer {
  return zipArchive([storedEntry('notes.txt', 'just a text file inside a zip')]);
}

/** The OLE2 compound-file header of Word 97-2003 documents, padded to a sector. */
export function legacyDoc(stream = 'WordDocument'): Buffer {
  const header = Buffer.alloc(512);
  Buffer.from([0xd0, 0xcf, 0x11, 0xe0, 0xa1, 0xb1, 0x1a, 0xe1]).copy(header);
  header.writeUInt16LE(0x3e, 24);
  header.writeUInt16LE(0x03, 26);
  header.writeUInt16LE(0xfffe, 28);
  return Buffer.concat([header, Buffer.from(stream, 'utf16le'), Buffer.alloc(512)]);
}

/** What Word saves when a .docx gets a password: an OLE2 container holding an EncryptedPackage stream. */
export function passwordProtectedDocx(): Buffer {
  return legacyDoc('EncryptedPackage');
}

/** A valid 1x1 PNG. */
export function png(): Buffer {
  const chunk = (type: string, data: Buffer) => {
    const length = Buffer.alloc(4);
    length.writeUInt32BE(data.length);
    const body = Buffer.concat([Buffer.from(type, 'latin1'), data]);
    const crc = Buffer.alloc(4);
    crc.writeUInt32BE(zlib.crc32(body));
    return Buffer.concat([length, body, crc]);
  };
  const ihdr = Buffer.from([0, 0, 0, 1, 0, 0, 0, 1, 8, 2, 0, 0, 0]);
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', zlib.deflateSync(Buffer.from([0, 255, 0, 0]))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** Deterministic noise, NUL bytes included, as any executable or image has. */
export function binaryNoise(length = 4096): Buffer {
  const out = Buffer.alloc(length);
  let x = 0x2545f491;
  for (let i = 0; i < length; i++) {
    x ^= x << 13;
    x ^= x >>> 17;
    x ^= x << 5;
    out[i] = x & 255;
  }
  return out;
}
