/**
 * How many chunks contain each query term, so the lexical query can leave out terms found in more than half of
 * them. FTS5's bm25() gives such a term an IDF of 1e-6 (log((N - n + 0.5) / (n + 0.5)) <= 0 is clamped), so
 * dropping it does not change any score that matters, while keeping it makes FTS5 score every row it matches:
 * the difference between ~2 ms and ~100 ms over 100k chunks when a query contains a word like "account".
 *
 * The counts come from an fts5vocab table over the index. Its terms are tokens (lower-cased, accents removed,
 * Porter-stemmed), so each query word is first put through the same tokenizer: it is inserted into a small
 * contentless FTS5 table in the connection's temp schema, read back through an 'instance' vocabulary table, and
 * the scratch row deleted. This costs ~0.1 ms and matches FTS5's own tokenization exactly.
 */
import type Database from 'better-sqlite3';
import { FTS } from './sqlite-schema.js';

const SCRATCH = 'knowledge_query_scratch';
/** Counts kept at most (a few hundred kB); past that the cache starts afresh. */
const MAX_KNOWN_TERMS = 10_000;

export class SqliteTermStatistics {
  private readonly insert: Database.Statement;
  private readonly lookup: Database.Statement;
  private readonly clear: Database.Statement;

  constructor(private readonly db: Database.Database) {
    // Temp objects are private to this connection and vanish with it; IF NOT EXISTS lets indexes share one.
    db.exec(`
      create virtual table if not exists temp.${SCRATCH} using fts5(term, content='', tokenize='porter unicode61 remove_diacritics 2');
      create virtual table if not exists temp.${SCRATCH}_tokens using fts5vocab(temp, ${SCRATCH}, 'instance');
      create virtual table if not exists temp.${FTS}_vocabulary using fts5vocab(main, ${FTS}, 'row');
    `);
    this.insert = db.prepare(`insert into temp.${SCRATCH} (rowid, term) values (?, ?)`);
    this.lookup = db.prepare(
      `select t.doc as i, min(coalesce(v.doc, 0)) as documents
       from temp.${SCRATCH}_tokens t left join temp.${FTS}_vocabulary v on v.term = t.term
       group by t.doc`,
    );
    this.clear = db.prepare(`insert into temp.${SCRATCH} (${SCRATCH}) values ('delete-all')`);
  }

  /** Counts already looked up (customers ask with the same words again and again), until forget(). */
  private readonly known = new Map<string, number>();

  /**
   * The number of chunks containing each term (for a term the tokenizer splits in several tokens, the smallest
   * of their counts, an upper bound for the phrase). A term that yields no token counts 0.
   */
  documentFrequencies(terms: string[]): number[] {
    const missing = terms.filter((term) => !this.known.has(term));
    if (missing.length > 0) {
      const counts = this.lookUp(missing);
      if (this.known.size + missing.length > MAX_KNOWN_TERMS) this.known.clear();
      missing.forEach((term, i) => this.known.set(term, counts[i]!));
    }
    return terms.map((term) => this.known.get(term)!);
  }

  /** The index changed: every count may have. */
  forget(): void {
    this.known.clear();
  }

  private lookUp(terms: string[]): number[] {
    return this.db.transaction(() => {
      terms.forEach((term, i) => this.insert.run(i + 1, term));
      const rows = this.lookup.all() as { i: number; documents: number }[];
      this.clear.run();
      const counts = new Array<number>(terms.length).fill(0);
      for (const row of rows) counts[row.i - 1] = row.documents;
      return counts;
    })();
  }
}

/**
 * The terms worth searching for: those in at most `maxFraction` of `total` chunks. When every term is more
 * common than that, the rarest is kept so the query still ranks something.
 */
export function selectInformativeTerms(terms: string[], frequencies: number[], total: number, maxFraction: number): string[] {
  const limit = maxFraction * total;
  const kept = terms.filter((_, i) => frequencies[i]! <= limit);
  if (kept.length > 0 || terms.length === 0) return kept;
  let rarest = 0;
  frequencies.forEach((count, i) => {
    if (count < frequencies[rarest]!) rarest = i;
  });
  return [terms[rarest]!];
}
