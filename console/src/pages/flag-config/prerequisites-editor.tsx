import type { FlagListItem } from '../../api/types.ts';
import type { Prerequisite } from './api.ts';
import { variationLabel } from './serve-inputs.tsx';

/** Other flags that must serve a given variation (in this environment) for this one to be evaluated. */
export function PrerequisitesEditor({
  flagKey,
  flags,
  prerequisites,
  onChange,
}: {
  flagKey: string;
  flags: FlagListItem[] | string | null;
  prerequisites: Prerequisite[];
  onChange: (prerequisites: Prerequisite[]) => void;
}) {
  const known = Array.isArray(flags) ? flags : [];
  const taken = new Set(prerequisites.map((p) => p.key));
  const free = known.filter((f) => f.key !== flagKey && !taken.has(f.key));
  const set = (index: number, prerequisite: Prerequisite) => onChange(prerequisites.map((p, i) => (i === index ? prerequisite : p)));

  return (
    <fieldset className="config-group">
      <legend>Prerequisites</legend>
      <p className="hint">While a prerequisite flag does not serve the variation named here, this flag serves its off variation.</p>
      {typeof flags === 'string' && (
        <p className="error" role="alert">
          Could not read the flags to pick from: {flags}
        </p>
      )}
      {prerequisites.length === 0 && (
        <p className="muted">
          {Array.isArray(flags) && free.length === 0 ? 'No prerequisites, and no other flag to depend on.' : 'No prerequisites.'}
        </p>
      )}
      {prerequisites.map((prerequisite, index) => {
        const flag = known.find((f) => f.key === prerequisite.key);
        const choices = flag ? [flag, ...free] : free;
        const id = `prerequisite-${index}`;
        const unknownKey = prerequisite.key !== '' && !flag;
        return (
          // biome-ignore lint/suspicious/noArrayIndexKey: a row keeps its place (and focus) while its flag is picked
          <div className="prerequisite-row" key={index}>
            <div className="field">
              <label htmlFor={`${id}-flag`}>Prerequisite {index + 1}: flag</label>
              <select
                id={`${id}-flag`}
                value={prerequisite.key}
                aria-invalid={prerequisite.key === '' ? true : undefined}
                aria-describedby={prerequisite.key === '' ? `${id}-problem` : undefined}
                onChange={(e) => set(index, { key: e.target.value, variation: 0 })}
              >
                {prerequisite.key === '' && <option value="">Pick a flag…</option>}
                {unknownKey && <option value={prerequisite.key}>{prerequisite.key}</option>}
                {choices.map((f) => (
                  <option key={f.key} value={f.key}>
                    {f.name === f.key ? f.key : `${f.name} (${f.key})`}
                  </option>
                ))}
              </select>
              {prerequisite.key === '' && (
                <p className="error field-error" id={`${id}-problem`}>
                  Pick the flag this one depends on
                </p>
              )}
            </div>
            <div className="field">
              <label htmlFor={`${id}-variation`}>must serve</label>
              <select
                id={`${id}-variation`}
                value={prerequisite.variation}
                disabled={prerequisite.key === ''}
                onChange={(e) => set(index, { ...prerequisite, variation: Number(e.target.value) })}
              >
                {(flag?.variations ?? Array.from({ length: prerequisite.variation + 1 })).map((_, i) => (
                  // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
                  <option key={i} value={i}>
                    {flag ? variationLabel(flag.variations, i) : String(i)}
                  </option>
                ))}
              </select>
            </div>
            <button
              type="button"
              className="button secondary"
              onClick={() => onChange(prerequisites.filter((_, i) => i !== index))}
              aria-label={`Remove prerequisite ${index + 1}${prerequisite.key ? ` (${prerequisite.key})` : ''}`}
            >
              Remove
            </button>
          </div>
        );
      })}
      <div>
        <button
          type="button"
          className="button secondary"
          disabled={free.length === 0 || taken.has('')}
          onClick={() => onChange([...prerequisites, { key: '', variation: 0 }])}
        >
          Add a prerequisite
        </button>
      </div>
    </fieldset>
  );
}
