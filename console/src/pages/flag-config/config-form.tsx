import { type Draft, percentOf, setWeight } from './draft.ts';

export const variationLabel = (variations: readonly unknown[], index: number) => `${index}: ${JSON.stringify(variations[index])}`;

/** The fallthrough (fixed or a rollout adding up to 100 %), the off variation and the individual targets. */
export function ConfigForm({
  variations,
  draft,
  onChange,
}: {
  variations: readonly unknown[];
  draft: Draft;
  onChange: (draft: Draft) => void;
}) {
  const last = variations.length - 1;
  const options = variations.map((_, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
    <option key={i} value={i}>
      {variationLabel(variations, i)}
    </option>
  ));
  return (
    <>
      <fieldset className="config-group">
        <legend>Default rule: what contexts no target matches get</legend>
        <div className="choice-row">
          <label className="choice">
            <input type="radio" name="mode" checked={draft.mode === 'fixed'} onChange={() => onChange({ ...draft, mode: 'fixed' })} />
            Serve one variation
          </label>
          <label className="choice">
            <input type="radio" name="mode" checked={draft.mode === 'rollout'} onChange={() => onChange({ ...draft, mode: 'rollout' })} />
            Percentage rollout
          </label>
        </div>
        {draft.mode === 'fixed' ? (
          <div className="field">
            <label htmlFor="fallthrough-variation">Variation served</label>
            <select
              id="fallthrough-variation"
              value={draft.variation}
              onChange={(e) => onChange({ ...draft, variation: Number(e.target.value) })}
            >
              {options}
            </select>
          </div>
        ) : (
          <div className="rollout">
            {variations.map((_, i) => (
              // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
              <div className="rollout-row" key={i}>
                <label htmlFor={`weight-${i}`}>Percentage for {variationLabel(variations, i)}</label>
                <span className="percent-input">
                  <input
                    id={`weight-${i}`}
                    type="number"
                    min={0}
                    max={100}
                    step={0.001}
                    inputMode="decimal"
                    readOnly={i === last}
                    aria-describedby={i === last ? 'weight-rest' : undefined}
                    value={percentOf(draft.weights[i] ?? 0)}
                    onChange={(e) => {
                      const percent = Number.parseFloat(e.target.value);
                      onChange({ ...draft, weights: setWeight(draft.weights, i, Number.isNaN(percent) ? 0 : percent * 1000) });
                    }}
                  />
                  <span aria-hidden="true">%</span>
                </span>
              </div>
            ))}
            <p className="hint" id="weight-rest">
              The last variation gets what the others leave, so the rollout always adds up to 100 %.
            </p>
          </div>
        )}
      </fieldset>

      <div className="field config-group">
        <label htmlFor="off-variation">Off variation (served while the flag is off)</label>
        <select
          id="off-variation"
          value={draft.offVariation}
          onChange={(e) => onChange({ ...draft, offVariation: Number(e.target.value) })}
        >
          {options}
        </select>
      </div>

      <fieldset className="config-group">
        <legend>Individual targets</legend>
        <p className="hint">Context keys, one a line, always served the variation, whatever the default rule says.</p>
        {variations.map((_, i) => (
          // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
          <div className="field" key={i}>
            <label htmlFor={`targets-${i}`}>Context keys served {variationLabel(variations, i)}</label>
            <textarea
              id={`targets-${i}`}
              rows={3}
              spellCheck={false}
              value={draft.targets[i] ?? ''}
              onChange={(e) => onChange({ ...draft, targets: draft.targets.map((text, j) => (j === i ? e.target.value : text)) })}
            />
          </div>
        ))}
      </fieldset>
    </>
  );
}
