/** Text helpers the escalation detectors share: one normal form, clauses, tokens. */

/** Lower case, straight apostrophes, "dont" -> "don't" and friends, single spaces. */
export function normalise(text: string): string {
  return text
    .toLowerCase()
    .replace(/[\u2018\u2019\u02bc`´]/g, "'")
    .replace(/\b(don|doesn|didn|can|couldn|won|wouldn|isn|aren|wasn|weren|shouldn|haven|hasn)t\b/g, "$1't")
    .replace(/\bi m\b/g, "i'm")
    .replace(/\s+/g, ' ')
    .trim();
}

/**
 * The part of `text` before `index` that belongs to the same clause: a negation or a question about needing a
 * human only matters when it governs the request ("I don't want a bot, I want a person" is still a request).
 */
export function clauseBefore(text: string, index: number): string {
  const before = text.slice(0, index);
  let cut = 0;
  for (const boundary of before.matchAll(/[.!?;,:]|\b(?:but|instead|rather|and|so|please|just)\b/g)) cut = boundary.index + boundary[0].length;
  return before.slice(cut);
}

export function tokens(text: string): string[] {
  return text.match(/[a-z0-9]+(?:'[a-z]+)?/g) ?? [];
}

export function escapeRegExp(text: string): string {
  return text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}
