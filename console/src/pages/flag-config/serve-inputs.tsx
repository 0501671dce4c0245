import { percentOf, type ServeDraft, setWeight } from './serve-draft.ts';

export const variationLabel = (variations: readonly unknown[], index: number) => `${index}: ${JSON.stringify(variations[index])}`;

export function VariationOptions({ variations }: { variations: readonly unknown[] }) {
  return variations.map((_, i) => (
    // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
    <option key={i} value={i}>
      {variationLabel(variations, i)}
    </option>
  ));
}

/**
 * What the fallthrough or a rule serves: one variation, or a percentage rollout whose inputs always add
 * up to 100 % (the last variation gets what the others leave). `idPrefix` keeps ids unique on the page.
 */
export function ServeInputs({
  variations,
  serve,
  idPrefix,
  onChange,
}: {
  variations: readonly unknown[];
  serve: ServeDraft;
  idPrefix: string;
  onChange: (serve: ServeDraft) => void;
}) {
  const last = variations.length - 1;
  return (
    <>
      <div className="choice-row">
        <label className="choice">
          <input
            type="radio"
            name={`${idPrefix}mode`}
            checked={serve.mode === 'fixed'}
            onChange={() => onChange({ ...serve, mode: 'fixed' })}
          />
          Serve one variation
        </label>
        <label className="choice">
          <input
            type="radio"
            name={`${idPrefix}mode`}
            checked={serve.mode === 'rollout'}
            onChange={() => onChange({ ...serve, mode: 'rollout' })}
          />
          Percentage rollout
        </label>
      </div>
      {serve.mode === 'fixed' ? (
        <div className="field">
          <label htmlFor={`${idPrefix}variation`}>Variation served</label>
          <select
            id={`${idPrefix}variation`}
            value={serve.variation}
            onChange={(e) => onChange({ ...serve, variation: Number(e.target.value) })}
          >
            <VariationOptions variations={variations} />
          </select>
        </div>
      ) : (
        <div className="rollout">
          {variations.map((_, i) => (
            // biome-ignore lint/suspicious/noArrayIndexKey: variations are identified by their index
            <div className="rollout-row" key={i}>
              <label htmlFor={`${idPrefix}weight-${i}`}>Percentage for {variationLabel(variations, i)}</label>
              <span className="percent-input">
                <input
                  id={`${idPrefix}weight-${i}`}
                  type="number"
                  min={0}
                  max={100}
                  step={0.001}
                  inputMode="decimal"
                  readOnly={i === last}
                  aria-describedby={i === last ? `${idPrefix}weight-rest` : undefined}
                  value={percentOf(serve.weights[i] ?? 0)}
                  onChange={(e) => {
                    const percent = Number.parseFloat(e.target.value);
                    onChange({ ...serve, weights: setWeight(serve.weights, i, Number.isNaN(percent) ? 0 : percent * 1000) });
                  }}
                />
                <span aria-hidden="true">%</span>
              </span>
            </div>
          ))}
          <p className="hint" id={`${idPrefix}weight-rest`}>
            The last variation gets what the others leave, so the rollout always adds up to 100 %.
          </p>
        </div>
      )}
    </>
  );
}
