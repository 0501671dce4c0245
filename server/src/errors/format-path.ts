/** Renders a path such as ['rules', 0, 'clauses', 1, 'op'] as "rules[0].clauses[1].op". */
export function formatPath(parts: readonly PropertyKey[]): string {
  let out = '';
  for (const part of parts) {
    if (typeof part === 'number') out += `[${part}]`;
    else out += out === '' ? String(part) : `.${String(part)}`;
  }
  return out;
}
