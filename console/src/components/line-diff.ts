/** `id` is unique in a diff and stable: the line's place in `before` (same, removed) or `after` (added). */
export type DiffLine = { kind: 'same' | 'added' | 'removed'; text: string; id: string };

/** Past this many line pairs the longest-common-subsequence table costs too much: show all removed, all added. */
const MAX_CELLS = 250_000;

/** The JSON as people read it: two-space indents, one property a line; nothing (no lines) for null/undefined. */
export function jsonLines(value: unknown): string[] {
  if (value === null || value === undefined) return [];
  return JSON.stringify(value, null, 2).split('\n');
}

/** A line diff of `before` against `after` (longest common subsequence), in the order of `after`. */
export function diffLines(before: readonly string[], after: readonly string[]): DiffLine[] {
  const n = before.length;
  const m = after.length;
  if (n * m > MAX_CELLS) {
    return [
      ...before.map((text, i) => ({ kind: 'removed' as const, text, id: `-${i}` })),
      ...after.map((text, j) => ({ kind: 'added' as const, text, id: `+${j}` })),
    ];
  }
  // common[i][j]: length of the longest common subsequence of before[i..] and after[j..].
  const common = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      common[i]![j] = before[i] === after[j] ? common[i + 1]![j + 1]! + 1 : Math.max(common[i + 1]![j]!, common[i]![j + 1]!);
    }
  }
  const lines: DiffLine[] = [];
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    if (before[i] === after[j]) {
      lines.push({ kind: 'same', text: before[i]!, id: `=${i}` });
      i++;
      j++;
    } else if (common[i + 1]![j]! >= common[i]![j + 1]!) {
      lines.push({ kind: 'removed', text: before[i]!, id: `-${i}` });
      i++;
    } else {
      lines.push({ kind: 'added', text: after[j]!, id: `+${j}` });
      j++;
    }
  }
  for (; i < n; i++) lines.push({ kind: 'removed', text: before[i]!, id: `-${i}` });
  for (; j < m; j++) lines.push({ kind: 'added', text: after[j]!, id: `+${j}` });
  return lines;
}
