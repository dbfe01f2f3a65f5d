/**
 * Reference expansion: help-centre articles point at each other through the names they share - a tool, API or
 * setting identifier (`open_bank_account_4821`, `credit_card_account_id`). When a long message's best articles
 * name such a thing, the articles that name it too are often needed alongside them (the procedure, the lookup it
 * depends on), even when the customer's own words never match them. (Quoted phrases and title prefixes as
 * references were tried and lost on the dev half; exact mentions of another article's title are too rare there
 * to measure.)
 *
 * boostReferenced() re-ranks a document ranking: each document keeps a rank-based score 1 / (rrfK + rank) and
 * gains `bonus` for every one of the top `seeds` documents it shares a reference with.
 */

/** Code-like names: snake_case with at least three parts (two parts, like user_id, are too common to link). */
const IDENTIFIER = /\b[a-z][a-z0-9]*(?:_[a-z0-9]+){2,}\b/g;

/** The references a document's text makes: its code-like identifiers, lower-cased. */
export function referencesOf(text: string): Set<string> {
  return new Set(text.match(IDENTIFIER) ?? []);
}

export interface ReferenceBoostOptions {
  /** Top documents whose references count (default 8). */
  seeds?: number;
  /** Score added per seed sharing a reference, on the 1 / (rrfK + rank) scale (default 0.05). */
  bonus?: number;
  /** Rank constant of the base score (default 5, as the multi-query fusion). */
  rrfK?: number;
}

/**
 * `documents` best first, with each one's references; returns the ids re-ranked (ties keep their order). A
 * document never links to itself, and documents without references keep their base score.
 */
export function boostReferenced(documents: { id: string; references: Set<string> }[], options: ReferenceBoostOptions = {}): string[] {
  const seeds = documents.slice(0, options.seeds ?? 8).filter((seed) => seed.references.size > 0);
  const bonus = options.bonus ?? 0.05;
  const rrfK = options.rrfK ?? 5;
  const shares = (a: Set<string>, b: Set<string>) => [...a].some((reference) => b.has(reference));
  return documents
    .map((document, i) => {
      const links = document.references.size === 0 ? 0 : seeds.filter((seed) => seed.id !== document.id && shares(seed.references, document.references)).length;
      return { id: document.id, i, score: 1 / (rrfK + i + 1) + bonus * links };
    })
    .sort((a, b) => b.score - a.score || a.i - b.i)
    .map((document) => document.id);
}
