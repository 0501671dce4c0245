import { useMemo } from 'react';
import { type DiffLine, diffLines, jsonLines } from '../../components/line-diff.ts';

const MARK = { same: ' ', added: '+', removed: '-' } as const;

function Line({ line }: { line: DiffLine }) {
  const text = `${MARK[line.kind]} ${line.text}\n`;
  if (line.kind === 'added') return <ins className="diff-line diff-added">{text}</ins>;
  if (line.kind === 'removed') return <del className="diff-line diff-removed">{text}</del>;
  return <span className="diff-line">{text}</span>;
}

/**
 * `before` against `after` as pretty-printed JSON lines. An added line starts with "+" and is an <ins>,
 * a removed one starts with "-" and is a <del>: the meaning is in the text, not in the colour alone.
 */
export function AuditDiff({ id, before, after }: { id: string; before: unknown; after: unknown }) {
  const lines = useMemo(() => diffLines(jsonLines(before), jsonLines(after)), [before, after]);
  const added = lines.filter((l) => l.kind === 'added').length;
  const removed = lines.filter((l) => l.kind === 'removed').length;
  const created = before === null || before === undefined;
  const deleted = after === null || after === undefined;
  return (
    <div id={id} className="audit-diff">
      <p className="hint">
        {created ? 'Created: ' : deleted ? 'Deleted: ' : ''}
        {added} {added === 1 ? 'line' : 'lines'} added (+), {removed} removed (-).
      </p>
      {/* A wide diff scrolls sideways, so it takes the focus: the keyboard can scroll it too. */}
      {/* biome-ignore lint/a11y/noNoninteractiveTabindex: see above */}
      <pre className="diff" tabIndex={0}>
        {lines.map((line) => (
          <Line key={line.id} line={line} />
        ))}
      </pre>
    </div>
  );
}
