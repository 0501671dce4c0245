import { diffLines, jsonLines } from '../../components/line-diff.ts';

/** Removed lines start with "−" and are struck out in red, added ones with "+" in green: colour is never the only sign. */
export function DiffView({ before, after, label }: { before: unknown; after: unknown; label: string }) {
  const lines = diffLines(jsonLines(before), jsonLines(after));
  return (
    <figure className="diff-figure">
      <figcaption className="hint">{label}</figcaption>
      <pre className="diff">
        {lines.map((line) => {
          const key = line.id;
          if (line.kind === 'added') {
            return (
              <ins key={key} className="diff-line diff-add">
                <span className="visually-hidden">added: </span>+ {line.text}
              </ins>
            );
          }
          if (line.kind === 'removed') {
            return (
              <del key={key} className="diff-line diff-remove">
                <span className="visually-hidden">removed: </span>− {line.text}
              </del>
            );
          }
          return (
            <span key={key} className="diff-line">
              {'  '}
              {line.text}
            </span>
          );
        })}
      </pre>
    </figure>
  );
}
