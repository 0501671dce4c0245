import { useEffect, useRef, useState } from 'react';
import type { SegmentChoice } from './api.ts';
import { ClauseEditor } from './clause-editor.tsx';
import { clauseProblems, newClause, newRule, type RuleDraft } from './rule-draft.ts';
import { ServeInputs } from './serve-inputs.tsx';

/** Where focus goes after the next render: the moved rule's button, or a new rule's first input. */
type FocusRequest = { elementId: string; fallbackId?: string } | null;

/**
 * The rules, evaluated top to bottom (the first whose clauses all match serves): add, remove and move
 * them with buttons (keyboard first), each rule's clauses and what it serves.
 */
export function RulesEditor({
  variations,
  rules,
  segments,
  showMissing,
  onChange,
}: {
  variations: readonly unknown[];
  rules: RuleDraft[];
  segments: SegmentChoice[] | string | null;
  showMissing: boolean;
  onChange: (rules: RuleDraft[]) => void;
}) {
  const [announcement, setAnnouncement] = useState('');
  const focusRequest = useRef<FocusRequest>(null);

  useEffect(() => {
    const request = focusRequest.current;
    if (!request) return;
    focusRequest.current = null;
    const element = document.getElementById(request.elementId) as HTMLButtonElement | HTMLInputElement | null;
    const target = element && !element.disabled ? element : request.fallbackId ? document.getElementById(request.fallbackId) : null;
    target?.focus();
  });

  const set = (index: number, rule: RuleDraft) => onChange(rules.map((r, i) => (i === index ? rule : r)));

  const move = (index: number, by: -1 | 1) => {
    const rule = rules[index];
    const to = index + by;
    if (!rule || to < 0 || to >= rules.length) return;
    const next = [...rules];
    next.splice(index, 1);
    next.splice(to, 0, rule);
    const direction = by < 0 ? 'up' : 'down';
    focusRequest.current = {
      elementId: `rule-${rule.uid}-${direction}`,
      fallbackId: `rule-${rule.uid}-${by < 0 ? 'down' : 'up'}`,
    };
    setAnnouncement(`Rule ${index + 1} moved ${direction}: it is now rule ${to + 1} of ${rules.length}.`);
    onChange(next);
  };

  const remove = (index: number) => {
    const neighbour = rules[index + 1] ?? rules[index - 1];
    focusRequest.current = { elementId: neighbour ? `rule-${neighbour.uid}-remove` : 'add-rule' };
    setAnnouncement(`Rule ${index + 1} removed.`);
    onChange(rules.filter((_, i) => i !== index));
  };

  const add = () => {
    const rule = newRule(variations.length);
    focusRequest.current = { elementId: `clause-${rule.clauses[0]?.uid}-attribute` };
    setAnnouncement(`Rule ${rules.length + 1} added.`);
    onChange([...rules, rule]);
  };

  return (
    <fieldset className="config-group">
      <legend>Rules</legend>
      <p className="hint">
        Checked from the top after the individual targets: the first rule whose clauses all match serves its variation or rollout.
      </p>
      <p className="visually-hidden" aria-live="polite">
        {announcement}
      </p>
      {rules.length === 0 && <p className="muted">No rules: every context no target names gets the default rule.</p>}
      <ol className="rule-list">
        {rules.map((rule, index) => (
          <li key={rule.uid}>
            <fieldset className="rule">
              <legend>Rule {index + 1}</legend>
              <div className="rule-actions">
                <button
                  type="button"
                  id={`rule-${rule.uid}-up`}
                  className="button secondary"
                  disabled={index === 0}
                  onClick={() => move(index, -1)}
                  aria-label={`Move rule ${index + 1} up`}
                >
                  ↑ Up
                </button>
                <button
                  type="button"
                  id={`rule-${rule.uid}-down`}
                  className="button secondary"
                  disabled={index === rules.length - 1}
                  onClick={() => move(index, 1)}
                  aria-label={`Move rule ${index + 1} down`}
                >
                  ↓ Down
                </button>
                <button
                  type="button"
                  id={`rule-${rule.uid}-remove`}
                  className="button secondary"
                  onClick={() => remove(index)}
                  aria-label={`Remove rule ${index + 1}`}
                >
                  Remove
                </button>
              </div>
              <div className="field">
                <label htmlFor={`rule-${rule.uid}-description`}>Description (optional)</label>
                <input
                  id={`rule-${rule.uid}-description`}
                  type="text"
                  value={rule.description ?? ''}
                  onChange={(e) => set(index, { ...rule, description: e.target.value === '' ? undefined : e.target.value })}
                />
              </div>
              {rule.clauses.length === 0 && <p className="muted">No clauses: this rule matches every context that reaches it.</p>}
              {rule.clauses.map((clause, c) => (
                <ClauseEditor
                  key={clause.uid}
                  clause={clause}
                  index={c}
                  problems={clauseProblems(clause)}
                  showMissing={showMissing}
                  segments={segments}
                  onChange={(next) => set(index, { ...rule, clauses: rule.clauses.map((x, j) => (j === c ? next : x)) })}
                  onRemove={() => set(index, { ...rule, clauses: rule.clauses.filter((_, j) => j !== c) })}
                />
              ))}
              <div>
                <button
                  type="button"
                  className="button secondary"
                  onClick={() => set(index, { ...rule, clauses: [...rule.clauses, newClause()] })}
                  aria-label={`Add a clause to rule ${index + 1}`}
                >
                  Add a clause
                </button>
              </div>
              <fieldset className="rule-serve">
                <legend>Rule {index + 1} serves</legend>
                <ServeInputs
                  variations={variations}
                  serve={rule}
                  idPrefix={`rule-${rule.uid}-`}
                  onChange={(serve) => set(index, { ...rule, ...serve })}
                />
              </fieldset>
            </fieldset>
          </li>
        ))}
      </ol>
      <div>
        <button type="button" id="add-rule" className="button secondary" onClick={add}>
          Add a rule
        </button>
      </div>
    </fieldset>
  );
}
