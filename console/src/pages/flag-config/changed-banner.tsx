import type { EditableConfig } from './api.ts';
import { DiffView } from './diff.tsx';

/**
 * Someone changed the flag while this page holds unsaved edits: says so and shows their change, keeping
 * the draft. Saving then meets the stale version (412) and offers to re-apply the edits on top.
 */
export function ChangedBanner({
  read,
  current,
  version,
  author,
  onLoad,
}: {
  read: EditableConfig;
  current: EditableConfig;
  version: number;
  author: string | null;
  onLoad: () => void;
}) {
  return (
    <section className="changed-banner" aria-labelledby="changed-title">
      <h2 id="changed-title">This flag changed since you opened it</h2>
      <p>
        {author ? `${author} saved` : 'Someone saved'} version {version}. Your unsaved edits are kept; saving them shows what changed and
        lets you re-apply them on top.
      </p>
      <details>
        <summary>What changed</summary>
        <DiffView before={read} after={current} label="− as you opened it, + as it is now" />
      </details>
      <div className="dialog-actions start">
        <button type="button" className="button secondary" onClick={onLoad}>
          Discard my edits and load version {version}
        </button>
      </div>
    </section>
  );
}
