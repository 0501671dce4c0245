import { useEffect, useRef } from 'react';
import type { EditableConfig, FullFlagConfig } from './api.ts';
import { DiffView } from './diff.tsx';
import { editable } from './draft.ts';

const FIELD_NAMES: Record<keyof EditableConfig, string> = {
  prerequisites: 'the prerequisites',
  rules: 'the rules',
  fallthrough: 'the default rule',
  offVariation: 'the off variation',
  targets: 'the individual targets',
};

/**
 * A save refused with 412: someone changed the configuration since it was read. Shows what they
 * changed, and what re-applying the fields edited here on top of their version would write.
 */
export function ConflictView({
  flagKey,
  environmentName,
  read,
  current,
  patch,
  busy,
  onReapply,
  onDiscard,
}: {
  flagKey: string;
  environmentName: string;
  read: EditableConfig;
  current: FullFlagConfig;
  patch: Partial<EditableConfig>;
  busy: boolean;
  onReapply: () => void;
  onDiscard: () => void;
}) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => heading.current?.focus(), []);
  const now = editable(current);
  const fields = (Object.keys(patch) as (keyof EditableConfig)[]).map((field) => FIELD_NAMES[field]);
  return (
    <section className="conflict" aria-labelledby="conflict-title">
      <h2 id="conflict-title" ref={heading} tabIndex={-1}>
        Not saved: someone else changed this flag
      </h2>
      <p role="alert">
        {flagKey} in {environmentName} is now at version {current.version}, changed after you opened it. Your edit was not written.
      </p>
      <h3>What they changed</h3>
      <DiffView before={read} after={now} label="− as you read it, + as it is now" />
      <h3>What re-applying your change writes</h3>
      <DiffView before={now} after={{ ...now, ...patch }} label="− as it is now, + with your edit on top" />
      <p className="hint">Re-apply reads the current version again and writes only what you edited: {fields.join(', ')}.</p>
      <div className="dialog-actions start">
        <button type="button" className="button primary" disabled={busy} onClick={onReapply}>
          Re-apply my change
        </button>
        <button type="button" className="button secondary" disabled={busy} onClick={onDiscard}>
          Discard my change
        </button>
      </div>
    </section>
  );
}
