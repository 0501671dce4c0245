import { OPERATORS, type Operator } from '@switchyard/sdk/model';
import { useId } from 'react';
import {
  type ClauseDraft,
  clauseProblems,
  emptyClause,
  emptyRule,
  type ListType,
  type RuleDraft,
  takesListType,
  usesAttribute,
  valueHint,
} from './segment-draft.ts';

/** The segment's rules: a context is in the segment when every clause of any one rule matches. */
export function RulesEditor({ rules, onChange }: { rules: RuleDraft[]; onChange: (rules: RuleDraft[]) => void }) {
  const setRule = (index: number, rule: RuleDraft) => onChange(rules.map((r, i) => (i === index ? rule : r)));
  return (
    <div className="rules">
      {rules.length === 0 && <p className="empty">No rules: only the included context keys are in the segment.</p>}
      {rules.map((rule, index) => (
        <fieldset key={rule.id} className="config-group rule">
          <legend>
            Rule {index + 1}
            {index > 0 ? ' (or)' : ''}
          </legend>
          {rule.clauses.map((clause, c) => (
            <ClauseEditor
              key={clause.id}
              label={`Rule ${index + 1}, clause ${c + 1}`}
              clause={clause}
              onChange={(next) => setRule(index, { ...rule, clauses: rule.clauses.map((x, i) => (i === c ? next : x)) })}
              onRemove={
                rule.clauses.length > 1 ? () => setRule(index, { ...rule, clauses: rule.clauses.filter((_, i) => i !== c) }) : undefined
              }
            />
          ))}
          <div className="dialog-actions start">
            <button
              type="button"
              className="button secondary"
              onClick={() => setRule(index, { ...rule, clauses: [...rule.clauses, emptyClause()] })}
            >
              Add a clause to rule {index + 1}
            </button>
            <button type="button" className="button secondary" onClick={() => onChange(rules.filter((_, i) => i !== index))}>
              Remove rule {index + 1}
            </button>
          </div>
        </fieldset>
      ))}
      <button type="button" className="button secondary" onClick={() => onChange([...rules, emptyRule()])}>
        Add a rule
      </button>
    </div>
  );
}

function ClauseEditor({
  label,
  clause,
  onChange,
  onRemove,
}: {
  label: string;
  clause: ClauseDraft;
  onChange: (clause: ClauseDraft) => void;
  onRemove: (() => void) | undefined;
}) {
  const id = useId();
  const problems = clauseProblems(clause);
  const set = (patch: Partial<ClauseDraft>) => onChange({ ...clause, ...patch });
  return (
    // biome-ignore lint/a11y/useSemanticElements: a group inside the rule's fieldset, named for screen readers
    <div className="clause" role="group" aria-label={label}>
      <div className="clause-row">
        {usesAttribute(clause.op) && (
          <div className="field">
            <label htmlFor={`${id}-attr`}>Attribute</label>
            <input
              id={`${id}-attr`}
              value={clause.attribute}
              placeholder="country"
              spellCheck={false}
              onChange={(e) => set({ attribute: e.target.value })}
            />
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-op`}>Operator</label>
          <select id={`${id}-op`} value={clause.op} onChange={(e) => set({ op: e.target.value as Operator })}>
            {OPERATORS.map((op) => (
              <option key={op} value={op}>
                {op}
              </option>
            ))}
          </select>
        </div>
        {takesListType(clause.op) && (
          <div className="field">
            <label htmlFor={`${id}-type`}>Values are</label>
            <select id={`${id}-type`} value={clause.listType} onChange={(e) => set({ listType: e.target.value as ListType })}>
              <option value="text">text</option>
              <option value="number">numbers</option>
              <option value="boolean">true / false</option>
            </select>
          </div>
        )}
      </div>
      <label htmlFor={`${id}-values`}>Values, one a line</label>
      <textarea
        id={`${id}-values`}
        value={clause.values}
        rows={2}
        spellCheck={false}
        aria-describedby={`${id}-hint${problems.length > 0 ? ` ${id}-problems` : ''}`}
        aria-invalid={problems.length > 0 || undefined}
        onChange={(e) => set({ values: e.target.value })}
      />
      <p id={`${id}-hint`} className="hint">
        {valueHint(clause.op)}
      </p>
      {problems.length > 0 && (
        <ul id={`${id}-problems`} className="problems">
          {problems.map((problem) => (
            <li key={problem}>{problem}</li>
          ))}
        </ul>
      )}
      <div className="clause-row">
        <label className="choice">
          <input type="checkbox" checked={clause.negate} onChange={(e) => set({ negate: e.target.checked })} />
          Negate (matches when this does not)
        </label>
        {onRemove && (
          <button type="button" className="button secondary" onClick={onRemove}>
            Remove {label.toLowerCase()}
          </button>
        )}
      </div>
    </div>
  );
}
