import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import { createFlag, type NewFlag } from '../../api/flags.ts';
import type { Flag, FlagKind } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';

const KINDS: FlagKind[] = ['boolean', 'string', 'number', 'json'];

const EXAMPLE_VARIATIONS: Record<Exclude<FlagKind, 'boolean'>, string> = {
  string: '["control", "treatment"]',
  number: '[0, 1]',
  json: '[{"enabled": false}, {"enabled": true}]',
};

/** A key from a name: lower case, words joined by hyphens (the user may edit it). */
const keyFrom = (name: string) =>
  name
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '-')
    .replace(/^-+|-+$/g, '')
    .slice(0, 100);

export function CreateFlagDialog({ onCreated, onCancel }: { onCreated: (flag: Flag) => void; onCancel: () => void }) {
  const [name, setName] = useState('');
  const [key, setKey] = useState('');
  const [keyEdited, setKeyEdited] = useState(false);
  const [kind, setKind] = useState<FlagKind>('boolean');
  const [variations, setVariations] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const id = useId();

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const flag: NewFlag = { key: key.trim(), name: name.trim(), kind };
    if (kind !== 'boolean') {
      try {
        flag.variations = JSON.parse(variations || EXAMPLE_VARIATIONS[kind]);
      } catch {
        setError(`Variations must be a JSON array, such as ${EXAMPLE_VARIATIONS[kind]}`);
        return;
      }
    }
    setBusy(true);
    setError(null);
    try {
      onCreated(await createFlag(flag));
    } catch (caught) {
      setError(describeError(caught));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Dialog title="New flag" onClose={onCancel}>
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
          What your code asks for, such as <code>new-checkout</code>. It cannot change later.
        </p>
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as FlagKind)}>
          {KINDS.map((k) => (
            <option key={k} value={k}>
              {k}
            </option>
          ))}
        </select>
        {kind !== 'boolean' && (
          <>
            <label htmlFor={`${id}-variations`}>Variations (JSON array)</label>
            <textarea
              id={`${id}-variations`}
              value={variations}
              placeholder={EXAMPLE_VARIATIONS[kind]}
              rows={3}
              spellCheck={false}
              onChange={(e) => setVariations(e.target.value)}
            />
          </>
        )}
        <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel="Create flag" />
      </form>
    </Dialog>
  );
}
