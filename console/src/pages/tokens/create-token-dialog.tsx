import { type FormEvent, useId, useState } from 'react';
import { describeError } from '../../api/client.ts';
import type { Environment } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { RolesFields } from './roles-fields.tsx';
import { type CreatedToken, createToken, type Roles, type TokenKind } from './tokens-api.ts';

const KINDS: { value: TokenKind; label: string }[] = [
  { value: 'admin', label: 'Person (admin API and console)' },
  { value: 'server', label: 'Server SDK key (one environment)' },
  { value: 'client', label: 'Client key (one environment, evaluated values only)' },
];

export function CreateTokenDialog({
  environments,
  onCreated,
  onCancel,
}: {
  environments: Environment[];
  onCreated: (token: CreatedToken) => void;
  onCancel: () => void;
}) {
  const id = useId();
  const [name, setName] = useState('');
  const [kind, setKind] = useState<TokenKind>('admin');
  const [roles, setRoles] = useState<Roles>({ role: 'viewer', environmentRoles: {} });
  const [environment, setEnvironment] = useState(environments[0]?.key ?? '');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      const trimmed = name.trim();
      onCreated(await createToken(kind === 'admin' ? { name: trimmed, kind, ...roles } : { name: trimmed, kind, environment }));
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <Dialog title="New token" onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <label htmlFor={`${id}-name`}>Name</label>
        <input
          id={`${id}-name`}
          value={name}
          required
          maxLength={200}
          aria-describedby={`${id}-name-hint`}
          onChange={(e) => setName(e.target.value)}
        />
        <p id={`${id}-name-hint`} className="hint">
          The audit log names a person by it, such as “Ada Lovelace”; for a key, the application, such as “checkout backend”.
        </p>
        <label htmlFor={`${id}-kind`}>Kind</label>
        <select id={`${id}-kind`} value={kind} onChange={(e) => setKind(e.target.value as TokenKind)}>
          {KINDS.map((k) => (
            <option key={k.value} value={k.value}>
              {k.label}
            </option>
          ))}
        </select>
        {kind === 'admin' ? (
          <RolesFields roles={roles} environments={environments} onChange={setRoles} />
        ) : (
          <>
            <label htmlFor={`${id}-env`}>Environment</label>
            <select id={`${id}-env`} value={environment} required onChange={(e) => setEnvironment(e.target.value)}>
              {environments.map((env) => (
                <option key={env.key} value={env.key}>
                  {env.name}
                </option>
              ))}
            </select>
          </>
        )}
        <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel="Create token" />
      </form>
    </Dialog>
  );
}
