import { type FormEvent, useState } from 'react';
import { describeError } from '../../api/client.ts';
import type { Environment } from '../../api/types.ts';
import { Dialog } from '../../components/dialog.tsx';
import { DialogFooter } from '../../components/dialog-footer.tsx';
import { RolesFields } from './roles-fields.tsx';
import { type Roles, type Token, updateTokenRoles } from './tokens-api.ts';

/** Changes a person's roles; the server refuses to leave nobody an admin of every environment, and says so here. */
export function RolesDialog({
  token,
  environments,
  onSaved,
  onCancel,
}: {
  token: Token;
  environments: Environment[];
  onSaved: (token: Token) => void;
  onCancel: () => void;
}) {
  const [roles, setRoles] = useState<Roles>({ role: token.role ?? 'viewer', environmentRoles: { ...token.environmentRoles } });
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      onSaved(await updateTokenRoles(token.id, roles));
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <Dialog title={`Roles of ${token.name}`} onClose={onCancel}>
      <form className="form" onSubmit={submit}>
        <p className="hint">The change applies from their next request, open console sessions included.</p>
        <RolesFields roles={roles} environments={environments} onChange={setRoles} />
        <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel="Save roles" />
      </form>
    </Dialog>
  );
}
