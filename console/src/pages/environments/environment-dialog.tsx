import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import type { Environment } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { keyFrom } from '../../components/key-from.ts';
import { createEnvironment, renameEnvironment } from './environments-api.ts';

/** Creates an environment (`editing` absent) or renames one. */
export function EnvironmentDialog({
  editing,
  onDone,
  onCancel,
}: {
  editing?: Environment;
  onDone: (environment: Environment) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState(editing?.name ?? '');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onDone(editing ? await renameEnvironment(editing.key, name.trim()) : await createEnvironment({ key: key.trim(), name: name.trim() }));
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <Dialog title={editing ? `Rename ${editing.name}` : 'New environment'} onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          required
          maxLength={200}
          onChange={(e) => {
            setName(e.target.value);
            if (!editing && !keyEdited) setKey(keyFrom(e.target.value));
          }}
        />
        {editing ? (
          <p className="hint">
            The key <code>{editing.key}</code> stays: SDK keys and links use it.
          </p>
        ) : (
          <>
            <label htmlFor={`${id}-key`}>Key</label>
            <input
              id={`${id}-key`}
              value={key}
              required
              spellCheck={false}
              aria-describedby={`${id}-key-hint`}
              onChange={(e) => {
                setKey(e.target.value);
                setKeyEdited(true);
              }}
            />
            <p id={`${id}-key-hint`} className="hint">
              Such as <code>qa</code>. It cannot change later. Every flag starts off in a new environment. A key or name containing “prod”
              marks it as production.
            </p>
          </>
        )}
        <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel={editing ? 'Save name' : 'Create environment'} />
      </form>
    </Dialog>
  );
}
