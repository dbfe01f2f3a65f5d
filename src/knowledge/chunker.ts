/**
 * chunkDocument: ParsedDocument -> Chunks sized in the embedding model's tokens (the injected countTokens).
 *
 * - Sections: a chunk never spans two top-level sections (the shallowest heading level that occurs more than once),
 *   two pages or two sheets, so its section path, page and sheet are single-valued citations. Inside a top-level
 *   section, small subsections share chunks; a heading starts a new chunk once the current one is half full, and a
 *   heading is never left as the last line of a chunk.
 * - Blocks stay whole when they fit. A long paragraph is split at sentence boundaries (then words), a long list or
 *   code block at lines, a long table between rows with its header row repeated and its row range narrowed.
 * - Consecutive chunks cut from running text overlap by up to chunkOverlap tokens (whole sentences when possible).
 * - With contextHeader (default), chunk text opens with "Title > Section > Subsection": retrieval, lexical and dense,
 *   then sees what the passage is about even when the passage never says it.
 */
import type { Chunk, DocumentBlock, ParsedDocument, SourceLocation } from './types.js';

export interface ChunkOptions {
  documentId: string;
  /** Maximum tokens per chunk, context header included. */
  chunkSize: number;
  /** Tokens repeated from the end of a chunk at the start of the next one cut from the same text. */
  chunkOverlap: number;
  countTokens: (text: string) => number;
  /** Prefix chunk text with "Title > Section path" (default true). */
  contextHeader?: boolean;
}

type Joiner = ' ' | '\n' | '\n\n';

interface Unit {
  kind: DocumentBlock['kind'] | 'overlap';
  text: string;
  tokens: number;
  path: string[];
  location: SourceLocation;
  /** How this unit attaches to the one before it in a chunk: pieces of one paragraph join with a space. */
  joiner: Joiner;
}

const TABLE_SEPARATOR = /^\|?\s*:?-{3,}:?\s*(\|\s*:?-{3,}:?\s*)*\|?$/;
const sentenceSegmenter = new Intl.Segmenter('en', { granularity: 'sentence' });

/** ICU's segmenter slows down quadratically past a few thousand characters, so it reads windows of this size. */
const SEGMENT_WINDOW = 2000;

/** Where to cut a window: after its last sentence end, else at its last space, else anywhere. */
function windowEnd(text: string, start: number): number {
  const end = start + SEGMENT_WINDOW;
  if (end >= text.length) return text.length;
  const slice = text.slice(start, end);
  const sentenceEnd = Math.max(slice.lastIndexOf('. '), slice.lastIndexOf('! '), slice.lastIndexOf('? '), slice.lastIndexOf('\n'));
  const cut = sentenceEnd > 0 ? sentenceEnd + 1 : slice.lastIndexOf(' ');
  return cut > 0 ? start + cut : end;
}

function sentences(text: string): string[] {
  const out: string[] = [];
  for (let start = 0; start < text.length; ) {
    const end = windowEnd(text, start);
    for (const s of sentenceSegmenter.segment(text.slice(start, end))) if (s.segment.trim()) out.push(s.segment.trim());
    start = end;
  }
  return out;
}

/** The heading level that delimits top-level sections: the shallowest one used more than once. */
function splitLevel(blocks: DocumentBlock[]): number {
  const counts = new Map<number, number>();
  for (const b of blocks) if (b.kind === 'heading') counts.set(b.level ?? 1, (counts.get(b.level ?? 1) ?? 0) + 1);
  const levels = [...counts.keys()].sort((a, b) => a - b);
  return levels.find((l) => counts.get(l)! > 1) ?? levels[0] ?? 1;
}

function groupBlocks(blocks: DocumentBlock[]): DocumentBlock[][] {
  const level = splitLevel(blocks);
  const groups: DocumentBlock[][] = [];
  let current: DocumentBlock[] = [];
  for (const block of blocks) {
    const previous = current[current.length - 1];
    // A section that so far holds only headings (a title over its first subsection) stays open.
    const onlyHeadings = current.every((b) => b.kind === 'heading');
    const boundary =
      previous !== undefined &&
      (block.location.sheet !== previous.location.sheet ||
        (!onlyHeadings && ((block.kind === 'heading' && (block.level ?? 1) <= level) || block.location.page !== previous.location.page)));
    if (boundary) {
      groups.push(current);
      current = [];
    }
    current.push(block);
  }
  if (current.length > 0) groups.push(current);
  return groups;
}

function commonPrefix(paths: string[][]): string[] {
  if (paths.length === 0) return [];
  const [first, ...rest] = paths;
  let n = first!.length;
  for (const p of rest) {
    let i = 0;
    while (i < n && i < p.length && p[i] === first![i]) i++;
    n = i;
  }
  return first!.slice(0, n);
}

export function chunkDocument(doc: ParsedDocument, options: ChunkOptions): Chunk[] {
  const { documentId, chunkSize, chunkOverlap, countTokens } = options;
  if (!Number.isInteger(chunkSize) || chunkSize < 1) throw new RangeError(`chunkSize must be a positive integer, got ${chunkSize}`);
  if (!Number.isInteger(chunkOverlap) || chunkOverlap < 0 || chunkOverlap >= chunkSize) {
    throw new RangeError(`chunkOverlap must be an integer from 0 to chunkSize - 1 (${chunkSize - 1}), got ${chunkOverlap}`);
  }
  const useHeader = options.contextHeader ?? true;
  const titleKey = doc.title.trim().toLowerCase();

  const headers = new Map<string, { text: string; tokens: number }>();
  /** The context line for a path, shortened until it costs at most a quarter of a chunk. */
  const headerFor = (path: string[]): { text: string; tokens: number } => {
    if (!useHeader) return { text: '', tokens: 0 };
    const key = path.join('\u0000');
    const cached = headers.get(key);
    if (cached) return cached;
    const own = path[0]?.trim().toLowerCase() === titleKey ? path.slice(1) : path;
    const candidates = [[doc.title, ...own], [doc.title, ...own.slice(-1)], own.slice(-1), []];
    let header = { text: '', tokens: 0 };
    for (const parts of candidates) {
      const text = parts.filter(Boolean).join(' > ');
      const tokens = text ? countTokens(`${text}\n\n`) : 0;
      if (tokens <= chunkSize / 4) {
        header = { text, tokens };
        break;
      }
    }
    headers.set(key, header);
    return header;
  };
  const budgetFor = (path: string[]) => Math.max(1, chunkSize - headerFor(path).tokens);
  const overlapReserve = (path: string[]) => Math.min(chunkOverlap, Math.floor(budgetFor(path) / 2));
  /** Largest piece a split may produce: room is left for the overlap in front of running text. */
  const pieceMax = (unit: Unit) => Math.max(1, budgetFor(unit.path) - (unit.kind === 'table' ? 0 : overlapReserve(unit.path)));

  const makeUnit = (kind: Unit['kind'], text: string, base: Unit | DocumentBlock, joiner: Joiner, location = base.location): Unit => ({
    kind,
    text,
    tokens: countTokens(text),
    path: 'path' in base ? base.path : (base.location.sectionPath ?? []),
    location,
    joiner,
  });

  /** Greedy groups of words, each within `max` tokens (by summed word counts; emit verifies). */
  const splitWords = (unit: Unit, max: number): Unit[] => {
    const words = unit.text.split(/\s+/).filter(Boolean);
    const pieces: Unit[] = [];
    let current: string[] = [];
    let tokens = 0;
    for (const word of words) {
      const t = countTokens(word);
      if (current.length > 0 && tokens + t > max) {
        pieces.push(makeUnit(unit.kind, current.join(' '), unit, pieces.length === 0 ? unit.joiner : ' '));
        current = [];
        tokens = 0;
      }
      current.push(word);
      tokens += t;
    }
    if (current.length > 0) pieces.push(makeUnit(unit.kind, current.join(' '), unit, pieces.length === 0 ? unit.joiner : ' '));
    // A single word longer than the budget is cut by characters, the last resort.
    return pieces.flatMap((p) => (p.tokens > max && !/\s/.test(p.text) ? splitChars(p, max) : [p]));
  };
  const splitChars = (unit: Unit, max: number): Unit[] => {
    const size = Math.max(1, Math.floor(unit.text.length / Math.ceil(unit.tokens / max)));
    const parts: Unit[] = [];
    for (let i = 0; i < unit.text.length; i += size) parts.push(makeUnit(unit.kind, unit.text.slice(i, i + size), unit, i === 0 ? unit.joiner : ' '));
    return parts;
  };

  const splitTable = (unit: Unit, max: number): Unit[] => {
    const lines = unit.text.split('\n');
    const hasHeader = lines.length > 2 && TABLE_SEPARATOR.test(lines[1]!.trim());
    const head = hasHeader ? lines.slice(0, 2) : [];
    const rows = hasHeader ? lines.slice(2) : lines;
    const headTokens = head.length > 0 ? countTokens(head.join('\n')) : 0;
    const { rowStart, rowEnd } = unit.location;
    const rowsMatch = rowStart !== undefined && rowEnd !== undefined && rowEnd - rowStart + 1 === rows.length;
    const pieces: Unit[] = [];
    let from = 0;
    let tokens = headTokens;
    const push = (to: number) => {
      const location = rowsMatch ? { ...unit.location, rowStart: rowStart + from, rowEnd: rowStart + to - 1 } : unit.location;
      pieces.push(makeUnit('table', [...head, ...rows.slice(from, to)].join('\n'), unit, '\n\n', location));
    };
    rows.forEach((row, i) => {
      const t = countTokens(row);
      if (i > from && tokens + t > max) {
        push(i);
        from = i;
        tokens = headTokens;
      }
      tokens += t;
    });
    if (from < rows.length) push(rows.length);
    // A row too long even alone is read as text.
    return pieces.flatMap((p) => (p.tokens > max ? splitWords({ ...p, kind: 'paragraph' }, max) : [p]));
  };

  const split = (unit: Unit, max: number): Unit[] => {
    if (unit.kind === 'table') return splitTable(unit, max);
    const parts = unit.kind === 'paragraph' || unit.kind === 'overlap' || unit.kind === 'heading' ? sentences(unit.text) : unit.text.split('\n');
    const inner: Joiner = unit.kind === 'list' || unit.kind === 'code' ? '\n' : ' ';
    if (parts.length <= 1) return splitWords(unit, max);
    return parts.flatMap((text, i) => {
      const piece = makeUnit(unit.kind, text, unit, i === 0 ? unit.joiner : inner);
      return piece.tokens > max ? splitWords(piece, max) : [piece];
    });
  };

  /** Up to `limit` tokens from the end of the emitted units: whole sentences (or lines), else trailing words. */
  const tailOverlap = (units: Unit[], limit: number): Unit | undefined => {
    if (limit <= 0) return undefined;
    const last = units[units.length - 1];
    if (!last || last.kind === 'table' || last.kind === 'heading') return undefined;
    const parts = last.kind === 'list' || last.kind === 'code' ? last.text.split('\n') : sentences(last.text);
    const taken: string[] = [];
    let tokens = 0;
    for (let i = parts.length - 1; i >= 0; i--) {
      const t = countTokens(parts[i]!);
      if (tokens + t > limit) break;
      taken.unshift(parts[i]!);
      tokens += t;
    }
    let text = taken.join(last.kind === 'list' || last.kind === 'code' ? '\n' : ' ');
    if (!text) {
      const words = last.text.split(/\s+/).filter(Boolean);
      let k = 0;
      for (let t = 0; k < words.length; k++) {
        t += countTokens(words[words.length - 1 - k]!);
        if (t > limit) break;
      }
      text = words.slice(words.length - k).join(' ');
    }
    return text ? makeUnit('overlap', text, last, '\n\n') : undefined;
  };

  const chunks: Chunk[] = [];
  const hasContent = (units: Unit[]) => units.some((u) => u.kind !== 'heading' && u.kind !== 'overlap');

  /** Builds the chunk; returns units that must be placed again when the real count exceeds the size. */
  const emit = (units: Unit[]): Unit[] => {
    const leftover: Unit[] = [];
    while (units.length > 0) {
      const own = units.filter((u) => u.kind !== 'overlap');
      const content = own.filter((u) => u.kind !== 'heading');
      const path = commonPrefix((content.length > 0 ? content : own.length > 0 ? own : units).map((u) => u.path));
      const header = headerFor(path).text;
      // Headings that open the chunk and that the header already names would be said twice.
      const named = new Set(header.split(' > '));
      let skip = 0;
      while (skip < units.length - 1 && units[skip]!.kind === 'heading' && named.has(units[skip]!.text)) skip++;
      const body = units.slice(skip).map((u, i) => (i === 0 ? u.text : u.joiner + u.text)).join('');
      const text = header ? `${header}\n\n${body}` : body;
      const tokenCount = countTokens(text);
      if (tokenCount > chunkSize && units.length > 1) {
        leftover.unshift(units.pop()!);
        continue;
      }
      const ranged = own.filter((u) => u.location.rowStart !== undefined);
      const first = (content[0] ?? own[0] ?? units[0]!).location;
      const location: SourceLocation = {
        ...(path.length > 0 ? { sectionPath: path } : {}),
        ...(first.page !== undefined ? { page: first.page } : {}),
        ...(first.sheet !== undefined ? { sheet: first.sheet } : {}),
        ...(ranged.length > 0
          ? { rowStart: Math.min(...ranged.map((u) => u.location.rowStart!)), rowEnd: Math.max(...ranged.map((u) => u.location.rowEnd ?? u.location.rowStart!)) }
          : {}),
      };
      const ordinal = chunks.length;
      chunks.push({ id: `${documentId}:${ordinal}`, documentId, ordinal, title: doc.title, text, tokenCount, location });
      break;
    }
    return leftover.filter((u) => u.kind !== 'overlap');
  };

  for (const group of groupBlocks(doc.blocks)) {
    // Units still to place, next one last: pop and push keep a 100k-sentence paragraph linear.
    const pending: Unit[] = group.map((block) => makeUnit(block.kind, block.text, block, '\n\n')).reverse();
    const putBack = (...units: Unit[]) => {
      for (let i = units.length - 1; i >= 0; i--) pending.push(units[i]!);
    };
    let current: Unit[] = [];
    let used = 0;
    let budget = 0;
    const reset = (units: Unit[]) => {
      current = units;
      used = units.reduce((sum, u) => sum + u.tokens, 0);
    };
    /** Closes the current chunk; carries trailing headings forward, or else an overlap when text continues. */
    const flush = (withOverlap: boolean) => {
      const carried: Unit[] = [];
      while (current.length > 0 && current[current.length - 1]!.kind === 'heading') carried.unshift(current.pop()!);
      const emitted = [...current];
      const leftover = emit(current);
      if (leftover.length > 0) {
        putBack(...leftover, ...carried);
        reset([]);
        return;
      }
      const next = pending[pending.length - 1];
      const overlap =
        withOverlap && carried.length === 0 && next ? tailOverlap(emitted, Math.min(chunkOverlap, budgetFor(next.path) - next.tokens)) : undefined;
      reset(overlap ? [overlap] : carried);
    };

    while (pending.length > 0) {
      const unit = pending.pop()!;
      // The header follows the chunk's content, so its first content unit sets the budget.
      if (!hasContent(current)) budget = budgetFor(unit.path);
      if (unit.kind === 'heading' && hasContent(current) && used >= budget / 2) {
        putBack(unit);
        flush(false);
        continue;
      }
      if (unit.tokens > pieceMax(unit)) {
        const pieces = split(unit, pieceMax(unit));
        // An unsplittable unit (one character over budget) falls through and gets a chunk of its own.
        if (pieces.length > 1) {
          putBack(...pieces);
          continue;
        }
      }
      if (used + unit.tokens <= budget) {
        current.push(unit);
        used += unit.tokens;
        continue;
      }
      putBack(unit);
      if (hasContent(current)) flush(unit.kind !== 'table' && unit.kind !== 'heading');
      else if (current.some((u) => u.kind === 'overlap')) reset(current.filter((u) => u.kind !== 'overlap'));
      else if (current.length > 0) {
        // Headings too long to share a chunk with what follows them get one of their own.
        putBack(...emit(current));
        reset([]);
      } else {
        current.push(pending.pop()!);
        used += unit.tokens;
      }
    }
    if (current.length > 0) emit(current);
  }
  return chunks;
}
