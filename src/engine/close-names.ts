import { byCodePoint } from "../domain/values.js";

function editDistance(a: string, b: string): number {
  let previous = Array.from({ length: b.length + 1 }, (_, i) => i);
  for (let i = 1; i <= a.length; i++) {
    const current = [i];
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      current[j] = Math.min((previous[j] ?? 0) + 1, (current[j - 1] ?? 0) + 1, (previous[j - 1] ?? 0) + cost);
    }
    previous = current;
  }
  return previous[b.length] ?? 0;
}

/** Names close to `wanted` (typos, prefixes), closest first, at most `limit`. */
export function closeNames(wanted: string, names: readonly string[], limit = 3): string[] {
  const target = wanted.toLowerCase();
  const allowed = Math.max(1, Math.floor(target.length / 3));
  return [...new Set(names)]
    .map((name) => {
      const lower = name.toLowerCase();
      const distance = editDistance(target, lower);
      const related =
        (target.length >= 2 && lower.includes(target)) || (lower.length >= 3 && target.includes(lower));
      return { name, score: related ? Math.min(distance, 1) : distance };
    })
    .filter((entry) => entry.score <= allowed && entry.name !== wanted)
    .sort((a, b) => a.score - b.score || byCodePoint(a.name, b.name))
    .slice(0, limit)
    .map((entry) => entry.name);
}
