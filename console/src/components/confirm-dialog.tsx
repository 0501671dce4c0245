import { type ReactNode, useState } from 'react';
import { describeError } from '../api/client.ts';
import { Dialog } from './dialog.tsx';
import { DialogFooter } from './dialog-footer.tsx';

/**
 * Asks before a change that cannot be undone. `onConfirm` does it; when the server refuses, its message
 * (which says why, such as the flags still using a segment) shows in the dialog, which stays open.
 */
export function ConfirmDialog({
  title,
  confirmLabel,
  onConfirm,
  onCancel,
  children,
}: {
  title: string;
  confirmLabel: string;
  onConfirm: () => Promise<void>;
  onCancel: () => void;
  children: ReactNode;
}) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);

  const confirm = async () => {
    setBusy(true);
    setError(null);
    try {
      await onConfirm();
    } catch (caught) {
      setError(describeError(caught));
      setBusy(false);
    }
  };

  return (
    <Dialog title={title} onClose={onCancel}>
      {children}
      <DialogFooter error={error} disabled={busy} onCancel={onCancel} submitLabel={confirmLabel} tone="danger" onSubmit={confirm} />
    </Dialog>
  );
}
