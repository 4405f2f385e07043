// Suggests the valid name closest to a misspelled one, for messages such as
// `unknown key; did you mean "passwordEnv"?`.

/**
 * Returns the candidate closest to `word`, or null when none is close enough.
 * Case is ignored. A candidate is close when its edit distance is at most a
 * third of the word's length (minimum 1), or when one starts with the other
 * and the word has at least 4 characters (`timeout` for `timeoutSeconds`).
 */
export function closestMatch(word: string, candidates: readonly string[]): string | null {
  const lowerWord = word.toLowerCase();
  const maxDistance = Math.max(1, Math.floor(word.length / 3));
  let best: { candidate: string; distance: number } | null = null;

  for (const candidate of candidates) {
    const lowerCandidate = candidate.toLowerCase();
    const distance = levenshtein(lowerWord, lowerCandidate);
    const isPrefix =
      lowerWord.length >= 4 && (lowerCandidate.startsWith(lowerWord) || lowerWord.startsWith(lowerCandidate));
    if ((distance <= maxDistance || isPrefix) && (!best || distance < best.distance)) {
      best = { candidate, distance };
    }
  }
  return best?.candidate ?? null;
}

/** Returns the Levenshtein distance: insertions, deletions and substitutions. */
export function levenshtein(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i += 1) {
    const current = [i];
    for (let j = 1; j <= b.length; j += 1) {
      const substitution = (previous[j - 1] as number) + (a[i - 1] === b[j - 1] ? 0 : 1);
      const deletion = (previous[j] as number) + 1;
      const insertion = (current[j - 1] as number) + 1;
      current.push(Math.min(substitution, deletion, insertion));
    }
    previous = current;
  }
  return previous[b.length] as number;
}
