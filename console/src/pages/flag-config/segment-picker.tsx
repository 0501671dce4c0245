import { useState } from 'react';
import type { SegmentChoice } from './api.ts';

/** Past this many matches the list asks for a narrower search instead of growing. */
const SHOWN = 20;

const matchesQuery = (segment: SegmentChoice, query: string) =>
  segment.name.toLowerCase().includes(query) || segment.key.toLowerCase().includes(query);

/**
 * The segments a segmentMatch clause names, picked by name from the environment's segments: a search
 * box filters a list of checkboxes (the picked ones always stay listed, first).
 */
export function SegmentPicker({
  id,
  segments,
  selected,
  problem,
  onChange,
}: {
  id: string;
  segments: SegmentChoice[] | string | null;
  selected: string[];
  problem: string | undefined;
  onChange: (keys: string[]) => void;
}) {
  const [query, setQuery] = useState('');
  const all = Array.isArray(segments) ? segments : [];
  const needle = query.trim().toLowerCase();
  const picked = selected.map((key) => all.find((s) => s.key === key) ?? { key, name: key, description: '', missing: true });
  const matching = all.filter((s) => !selected.includes(s.key) && matchesQuery(s, needle));
  const shown = matching.slice(0, SHOWN);
  const toggle = (key: string, on: boolean) => onChange(on ? [...selected, key] : selected.filter((k) => k !== key));

  return (
    <fieldset className="segment-picker" aria-describedby={problem ? `${id}-problem` : undefined}>
      <legend>Segments</legend>
      {typeof segments === 'string' && (
        <p className="error" role="alert">
          Could not read the segments: {segments}
        </p>
      )}
      <div className="field">
        <label htmlFor={`${id}-search`}>Find a segment by name or key</label>
        <input
          id={`${id}-search`}
          type="search"
          value={query}
          autoComplete="off"
          aria-controls={`${id}-list`}
          onChange={(e) => setQuery(e.target.value)}
        />
      </div>
      <ul className="segment-list" id={`${id}-list`}>
        {[...picked, ...shown].map((segment) => (
          <li key={segment.key}>
            <label className="choice">
              <input
                type="checkbox"
                checked={selected.includes(segment.key)}
                aria-invalid={problem ? true : undefined}
                onChange={(e) => toggle(segment.key, e.target.checked)}
              />
              <span>
                {segment.name} <code className="muted">{segment.key}</code>
                {'missing' in segment && <span className="error"> (no such segment in this environment)</span>}
              </span>
            </label>
          </li>
        ))}
      </ul>
      <p className="hint" role="status">
        {segments === null
          ? 'Reading the segments…'
          : all.length === 0 && typeof segments !== 'string'
            ? 'This environment has no segments yet.'
            : matching.length > SHOWN
              ? `${SHOWN} of ${matching.length} matching segments shown: type more of the name to narrow them.`
              : matching.length === 0 && needle
                ? `No other segment matches “${query.trim()}”.`
                : `${selected.length} picked; a context in any of them matches.`}
      </p>
      {problem && (
        <p className="error field-error" id={`${id}-problem`}>
          {problem}
        </p>
      )}
    </fieldset>
  );
}
