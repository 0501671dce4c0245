import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { keyFrom } from '../../components/key-from.ts';
import { createSegment, type Segment } from './segments-api.ts';

export function CreateSegmentDialog({
  environment,
  onCreated,
  onCancel,
}: {
  environment: { key: string; name: string };
  onCreated: (segment: Segment) => void;
  onCancel: () => void;
}) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [description, setDescription] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onCreated(await createSegment(environment.key, { key: key.trim(), name: name.trim(), description: description.trim() }));
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`New segment in ${environment.name}`} onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          required
          maxLength={200}
          onChange={(e) => {
            setName(e.target.value);
            if (!keyEdited) setKey(keyFrom(e.target.value));
          }}
        />
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
          What flag rules name, such as <code>beta-testers</code>. It cannot change later.
        </p>
        <label htmlFor={`${id}-description`}>Description (optional)</label>
        <textarea id={`${id}-description`} value={description} rows={2} onChange={(e) => setDescription(e.target.value)} />
        <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel="Create segment" />
      </form>
    </Dialog>
  );
}
