import type { FlagListItem } from '../../api/types.ts';
import type { SegmentChoice } from './api.ts';
import type { Draft } from './draft.ts';
import { PrerequisitesEditor } from './prerequisites-editor.tsx';
import { RulesEditor } from './rules-editor.tsx';
import { ServeInputs, VariationOptions, variationLabel } from './serve-inputs.tsx';

/**
 * The configuration in the order the engine reads it: prerequisites, individual targets, rules, the
 * default rule (fixed or a rollout adding up to 100 %), and the off variation.
 */
export function ConfigForm({
  flagKey,
  variations,
  draft,
  segments,
  flags,
  showMissing,
  onChange,
}: {
  flagKey: string;
  variations: readonly unknown[];
  draft: Draft;
  /** The environment's segments, or why they could not be read; null while they are read. */
  segments: SegmentChoice[] | string | null;
  /** The flags a prerequisite may name, or why they could not be read; null while they are read. */
  flags: FlagListItem[] | string | null;
  /** Whether to mark what is missing (set once a save was tried); malformed values are marked as typed. */
  showMissing: boolean;
  onChange: (draft: Draft) => void;
}) {
  return (
    <>
      <PrerequisitesEditor
        flagKey={flagKey}
        flags={flags}
        prerequisites={draft.prerequisites}
        onChange={(prerequisites) => onChange({ ...draft, prerequisites })}
      />

      <fieldset className="config-group">
        <legend>Individual targets</legend>
        <p className="hint">Context keys, one a line, always served the variation, whatever the rules say.</p>
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

      <RulesEditor
        variations={variations}
        rules={draft.rules}
        segments={segments}
        showMissing={showMissing}
        onChange={(rules) => onChange({ ...draft, rules })}
      />

      <fieldset className="config-group">
        <legend>Default rule: what contexts no target or rule matches get</legend>
        <ServeInputs variations={variations} serve={draft} idPrefix="fallthrough-" onChange={(serve) => onChange({ ...draft, ...serve })} />
      </fieldset>

      <div className="field config-group">
        <label htmlFor="off-variation">Off variation (served while the flag is off)</label>
        <select
          id="off-variation"
          value={draft.offVariation}
          onChange={(e) => onChange({ ...draft, offVariation: Number(e.target.value) })}
        >
          <VariationOptions variations={variations} />
        </select>
      </div>
    </>
  );
}
