import { OPERATORS, type Operator } from '@switchyard/sdk/model';
import type { ReactNode } from 'react';
import type { SegmentChoice } from './api.ts';
import { type ListType, OPERATOR_LABELS, valueInputOf } from './clause-values.ts';
import type { ClauseDraft, ClauseProblems } from './rule-draft.ts';
import { SegmentPicker } from './segment-picker.tsx';

const LIST_TYPES: { type: ListType; label: string }[] = [
  { type: 'string', label: 'text' },
  { type: 'number', label: 'numbers' },
  { type: 'boolean', label: 'true or false' },
];

const ROW_INPUT = {
  pattern: { type: 'text', label: 'Regular expression', hint: 'Unanchored: add ^ and $ to match the whole value.' },
  number: { type: 'number', label: 'Number', hint: null },
  date: { type: 'datetime-local', label: 'Date and time', hint: null },
  semver: { type: 'text', label: 'Version', hint: 'A semantic version such as 1.2.3 or 2.0.0-rc.1.' },
} as const;

const timeZone = Intl.DateTimeFormat().resolvedOptions().timeZone;

/**
 * One clause: attribute, operator, values (inputs of the operator's kind, checked as typed) and negate.
 * `problems` are shown as typed, except missing values and attributes, shown once a save was tried.
 */
export function ClauseEditor({
  clause,
  index,
  problems,
  showMissing,
  segments,
  onChange,
  onRemove,
}: {
  clause: ClauseDraft;
  index: number;
  problems: ClauseProblems;
  showMissing: boolean;
  segments: SegmentChoice[] | string | null;
  onChange: (clause: ClauseDraft) => void;
  onRemove: () => void;
}) {
  const id = `clause-${clause.uid}`;
  const input = valueInputOf(clause.op);
  const attributeProblem = showMissing ? problems.attribute : undefined;
  const missing = showMissing ? problems.clause : undefined;
  const setTexts = (texts: string[]) => onChange({ ...clause, texts });

  let values: ReactNode;
  if (input === 'segment') {
    values = <SegmentPicker id={id} segments={segments} selected={clause.texts} problem={missing} onChange={setTexts} />;
  } else if (input === 'list') {
    const lineProblems = [...problems.values].map(([line, message]) => `Line ${line + 1}: ${message}`);
    const problem = [...lineProblems, ...(missing ? [missing] : [])].join(' ');
    values = (
      <>
        {clause.op === 'in' && (
          <div className="field">
            <label htmlFor={`${id}-type`}>Compare as</label>
            <select
              id={`${id}-type`}
              value={clause.listType}
              onChange={(e) => onChange({ ...clause, listType: e.target.value as ListType })}
            >
              {LIST_TYPES.map((t) => (
                <option key={t.type} value={t.type}>
                  {t.label}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-values`}>Values, one a line (any of them matches)</label>
          <textarea
            id={`${id}-values`}
            rows={3}
            spellCheck={false}
            value={clause.texts.join('\n')}
            aria-invalid={problem ? true : undefined}
            aria-describedby={problem ? `${id}-problem` : undefined}
            onChange={(e) => setTexts(e.target.value.split('\n'))}
          />
          {problem && (
            <p className="error field-error" id={`${id}-problem`}>
              {problem}
            </p>
          )}
        </div>
      </>
    );
  } else {
    const row = ROW_INPUT[input];
    const texts = clause.texts.length > 0 ? clause.texts : [''];
    const hint = input === 'date' ? `In your time zone (${timeZone}); stored in UTC.` : row.hint;
    values = (
      <div className="value-rows">
        {texts.map((text, i) => {
          const problem = problems.values.get(i) ?? (i === 0 ? missing : undefined);
          const described = [problem ? `${id}-value-${i}-problem` : '', hint ? `${id}-hint` : ''].filter(Boolean).join(' ');
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: a value input keeps its place (and focus) while typed in
            <div className="value-row" key={i}>
              <div className="field">
                <label htmlFor={`${id}-value-${i}`}>
                  {row.label}
                  {texts.length > 1 ? ` ${i + 1}` : ''}
                </label>
                <input
                  id={`${id}-value-${i}`}
                  type={row.type}
                  step={input === 'date' ? 1 : input === 'number' ? 'any' : undefined}
                  spellCheck={false}
                  autoComplete="off"
                  value={text}
                  aria-invalid={problem ? true : undefined}
                  aria-describedby={described || undefined}
                  onChange={(e) => setTexts(texts.map((t, j) => (j === i ? e.target.value : t)))}
                />
                {problem && (
                  <p className="error field-error" id={`${id}-value-${i}-problem`}>
                    {problem}
                  </p>
                )}
              </div>
              {texts.length > 1 && (
                <button
                  type="button"
                  className="button secondary"
                  aria-label={`Remove ${row.label.toLowerCase()} ${i + 1}`}
                  onClick={() => setTexts(texts.filter((_, j) => j !== i))}
                >
                  Remove
                </button>
              )}
            </div>
          );
        })}
        {hint && (
          <p className="hint" id={`${id}-hint`}>
            {hint}
          </p>
        )}
        <div>
          <button type="button" className="button secondary" onClick={() => setTexts([...texts, ''])}>
            Add another {row.label.toLowerCase()}
          </button>
        </div>
      </div>
    );
  }

  return (
    <fieldset className="clause">
      <legend>Clause {index + 1}</legend>
      <div className="clause-head">
        {input !== 'segment' && (
          <div className="field">
            <label htmlFor={`${id}-attribute`}>Attribute</label>
            <input
              id={`${id}-attribute`}
              type="text"
              spellCheck={false}
              autoComplete="off"
              value={clause.attribute}
              aria-invalid={attributeProblem ? true : undefined}
              aria-describedby={attributeProblem ? `${id}-attribute-problem` : undefined}
              onChange={(e) => onChange({ ...clause, attribute: e.target.value })}
            />
            {attributeProblem && (
              <p className="error field-error" id={`${id}-attribute-problem`}>
                {attributeProblem}
              </p>
            )}
          </div>
        )}
        <div className="field">
          <label htmlFor={`${id}-op`}>Operator</label>
          <select id={`${id}-op`} value={clause.op} onChange={(e) => onChange({ ...clause, op: e.target.value as Operator })}>
            {OPERATORS.map((op) => (
              <option key={op} value={op}>
                {OPERATOR_LABELS[op]}
              </option>
            ))}
          </select>
        </div>
      </div>
      {values}
      <div className="clause-foot">
        <label className="choice">
          <input type="checkbox" checked={clause.negate} onChange={(e) => onChange({ ...clause, negate: e.target.checked })} />
          Negate: match the contexts this clause does not match
        </label>
        <button type="button" className="button secondary" onClick={onRemove} aria-label={`Remove clause ${index + 1}`}>
          Remove clause
        </button>
      </div>
    </fieldset>
  );
}
