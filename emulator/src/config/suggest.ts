/**
 * "Did you mean …?" for a mistyped word: a flag, a file key, a scenario outcome or method name.
 *
 * The distance is the optimal string alignment distance (Levenshtein's insertions, deletions and
 * substitutions, plus two neighbours swapped), the one commander and git use for their
 * suggestions: `--prot` is one swap from `--port`, `latnecy` one from `latency`, where plain
 * Levenshtein counts two. Case is ignored (`OK` suggests `ok`).
 */

/** The candidates nearest to `word`, in their given order; none when all are too far. */
export function nearest(word: string, candidates: readonly string[]): string[] {
  const typed = word.toLowerCase();
  // Short words allow one edit, longer ones a third of their length (at most 3): `eror` and
  // `nme` get suggestions, `foo` does not turn into `seed`.
  const allowed = Math.min(3, Math.max(1, Math.floor((typed.length + 1) / 3)));
  let best = allowed;
  let found: string[] = [];
  for (const candidate of candidates) {
    const distance = editDistance(typed, candidate.toLowerCase());
    if (distance > allowed) continue;
    if (distance < best || found.length === 0) {
      best = distance;
      found = [candidate];
    } else if (distance === best && !found.includes(candidate)) {
      found.push(candidate);
    }
  }
  return found;
}

/** `did you mean "error 10000"?`, or `did you mean http-500 or http-502?`; '' for none. */
export function didYouMean(suggestions: readonly string[], quote = false): string {
  if (suggestions.length === 0) return '';
  const shown = suggestions.map((s) => (quote ? JSON.stringify(s) : s));
  const last = shown.pop() ?? '';
  return `did you mean ${shown.length > 0 ? `${shown.join(', ')} or ${last}` : last}?`;
}

/** Optimal string alignment distance between two strings. */
export function editDistance(a: string, b: string): number {
  // Three rows are enough: the swap looks two rows back.
  let before = new Array<number>(b.length + 1).fill(0);
  let previous = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      let distance = Math.min(
        (previous[j] ?? 0) + 1,
        (current[j - 1] ?? 0) + 1,
        (previous[j - 1] ?? 0) + cost,
      );
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) {
        distance = Math.min(distance, (before[j - 2] ?? 0) + 1);
      }
      current.push(distance);
    }
    before = previous;
    previous = current;
  }
  return previous[b.length] ?? 0;
}
