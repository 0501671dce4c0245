import { type FormEvent, useId, useState } from 'react';
import { ApiError, describeError } from '../../api/client.ts';
import { type FlagMetadata, getFlag, updateFlag } from '../../api/flags.ts';
import type { Flag } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';

type Fields = { name: string; description: string; tags: string; temporary: boolean; clientSideAvailable: boolean };

const fieldsOf = (flag: Flag): Fields => ({
  name: flag.name,
  description: flag.description,
  tags: flag.tags.join(', '),
  temporary: flag.temporary,
  clientSideAvailable: flag.clientSideAvailable,
});

const parseTags = (text: string) => [
  ...new Set(
    text
      .split(',')
      .map((t) => t.trim())
      .filter(Boolean),
  ),
];

/** Only what differs from the flag as read: the server gets no field nobody touched. */
function changesOf(flag: Flag, fields: Fields): FlagMetadata {
  const changes: FlagMetadata = {};
  if (fields.name.trim() !== flag.name) changes.name = fields.name.trim();
  if (fields.description !== flag.description) changes.description = fields.description;
  const tags = parseTags(fields.tags);
  if (tags.join('\n') !== flag.tags.join('\n')) changes.tags = tags;
  if (fields.temporary !== flag.temporary) changes.temporary = fields.temporary;
  if (fields.clientSideAvailable !== flag.clientSideAvailable) changes.clientSideAvailable = fields.clientSideAvailable;
  return changes;
}

/**
 * Edits a flag's name, description, tags and kind of life. The save carries the version the dialog
 * started from (If-Match): when someone changed the flag meanwhile, nothing is written and the dialog
 * offers to load their version.
 */
export function EditFlagDialog({ flag, onSaved, onCancel }: { flag: Flag; onSaved: (flag: Flag) => void; onCancel: () => void }) {
  const [read, setRead] = useState(flag);
  const [fields, setFields] = useState(() => fieldsOf(flag));
  const [error, setError] = useState<string | null>(null);
  const [stale, setStale] = useState(false);
  const [busy, setBusy] = useState(false);
  const id = useId();
  const changes = changesOf(read, fields);
  const changed = Object.keys(changes).length > 0;
  const set = (patch: Partial<Fields>) => setFields((current) => ({ ...current, ...patch }));

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    if (!changed) return;
    setBusy(true);
    setError(null);
    try {
      onSaved(await updateFlag(flag.key, changes, read.version));
    } catch (caught) {
      if (caught instanceof ApiError && caught.status === 412) {
        setStale(true);
        setError(`Not saved: someone changed ${flag.key} since this dialog opened. Load their version, then make your edit again.`);
      } else {
        setError(`Not saved: ${describeError(caught)}`);
      }
    } finally {
      setBusy(false);
    }
  };

  const loadCurrent = async () => {
    setBusy(true);
    try {
      const current = await getFlag(flag.key);
      setRead(current);
      setFields(fieldsOf(current));
      setStale(false);
      setError(null);
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Edit ${flag.key}`} onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input id={`${id}-name`} value={fields.name} required maxLength={200} onChange={(e) => set({ name: e.target.value })} />
        <label htmlFor={`${id}-description`}>Description</label>
        <textarea
          id={`${id}-description`}
          value={fields.description}
          rows={3}
          maxLength={10000}
          onChange={(e) => set({ description: e.target.value })}
        />
        <label htmlFor={`${id}-tags`}>Tags</label>
        <input
          id={`${id}-tags`}
          value={fields.tags}
          aria-describedby={`${id}-tags-hint`}
          placeholder="checkout, team-a"
          onChange={(e) => set({ tags: e.target.value })}
        />
        <p id={`${id}-tags-hint`} className="hint">
          Separated by commas.
        </p>
        <label className="choice">
          <input type="checkbox" checked={fields.temporary} onChange={(e) => set({ temporary: e.target.checked })} />
          Temporary: a release flag, to remove once launched
        </label>
        <label className="choice">
          <input type="checkbox" checked={fields.clientSideAvailable} onChange={(e) => set({ clientSideAvailable: e.target.checked })} />
          Available to client-side SDKs (browsers, mobile apps)
        </label>
        <DialogFooter
          error={error}
          disabled={busy || (!stale && !changed)}
          onCancel={onCancel}
          submitLabel={stale ? 'Load the current version' : 'Save'}
          onSubmit={stale ? loadCurrent : undefined}
        />
      </form>
    </Dialog>
  );
}
